// Per-thread helpers: scheduling niceness for background threads, thread names and tags, and the
// processor count (the platform differences live here, not in Swift).
#define _GNU_SOURCE
#include "tern_support.h"
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int tern_increase_thread_niceness(int increment) {
#if defined(__linux__)
    pid_t thread_id = (pid_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)thread_id);
    if (current == -1 && errno != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)thread_id, current + increment);
#else
    (void)increment;
    return 0;
#endif
}

void tern_set_current_thread_name(const char *name) {
#if defined(__linux__)
    char truncated[16];
    size_t index = 0;
    for (; index < sizeof(truncated) - 1 && name[index] != 0; index++) truncated[index] = name[index];
    truncated[index] = 0;
    (void)pthread_setname_np(pthread_self(), truncated);
#elif defined(__APPLE__)
    (void)pthread_setname_np(name);
#else
    (void)name;
#endif
}

static _Thread_local const void *current_thread_tag = NULL;

void tern_set_current_thread_tag(const void *tag) { current_thread_tag = tag; }

const void *tern_current_thread_tag(void) { return current_thread_tag; }

int tern_online_processor_count(void) {
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count < 1 ? 1 : (int)count;
}
