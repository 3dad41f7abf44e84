// C support for TernEngine: CRC32C (Castagnoli) with a hardware path, and the acquire/release
// atomic loads and stores the lock-free memtable needs on raw arena memory.
#ifndef TERN_SUPPORT_H
#define TERN_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Extends `crc` (a finished CRC32C of earlier bytes, 0 for none) over `len` bytes at `data`.
/// Uses the SSE4.2 `crc32` instruction when the CPU has it, slicing-by-8 otherwise.
uint32_t tern_crc32c_extend(uint32_t crc, const void *data, size_t len);

/// The software path alone, exposed so tests can check both paths agree.
uint32_t tern_crc32c_extend_software(uint32_t crc, const void *data, size_t len);

/// 1 when the hardware path is in use.
int tern_crc32c_has_hardware(void);

/// `memcmp`, for Swift code that should not import the C library itself.
static inline int tern_compare_memory(const void *left, const void *right, size_t count) {
    return memcmp(left, right, count);
}

/// Acquire load of a pointer-sized word stored in raw memory.
static inline uint64_t tern_atomic_load_acquire_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_ACQUIRE);
}

/// Relaxed load of a pointer-sized word stored in raw memory.
static inline uint64_t tern_atomic_load_relaxed_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_RELAXED);
}

/// Release store of a pointer-sized word into raw memory.
static inline void tern_atomic_store_release_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELEASE);
}

/// Relaxed store of a pointer-sized word into raw memory.
static inline void tern_atomic_store_relaxed_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELAXED);
}

/// Adds `increment` to the calling thread's nice value (Linux schedules threads individually).
/// Returns 0 on success, -1 with errno set otherwise.
int tern_increase_thread_niceness(int increment);

/// Names the calling thread (shown by debuggers, `top -H`, `/proc`); truncated to 15 bytes on
/// Linux. Best effort: does nothing where the platform has no way to do it.
void tern_set_current_thread_name(const char *name);

/// Tags the calling thread with `tag` (NULL clears it): a thread pool marks its own threads, so
/// code can tell whether it runs on one.
void tern_set_current_thread_tag(const void *tag);

/// The calling thread's tag, or NULL.
const void *tern_current_thread_tag(void);

/// The number of processors currently online (at least 1).
int tern_online_processor_count(void);

#ifdef __cplusplus
}
#endif

#endif
