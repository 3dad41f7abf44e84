// Per-thread scheduling niceness for background threads.
#define _GNU_SOURCE
#include "tern_support.h"
#include <errno.h>
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
