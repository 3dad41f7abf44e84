#include "CBenchSupport.h"

__attribute__((noinline)) void tern_bench_measured(void (*body)(void *), void *context) {
    body(context);
    // Not a tail call: the function must still be on the stack while `body` runs, and be
    // left through its own return.
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void tern_bench_dump(void) {
    __asm__ volatile("" ::: "memory");
}
