#ifndef TERN_BENCH_SUPPORT_H
#define TERN_BENCH_SUPPORT_H

/// Calls `body(context)` inside a C function whose name valgrind sees unchanged:
/// `tern-bench --callgrind` collects instructions only while it is on a thread's stack
/// (`--toggle-collect=tern_bench_measured`). A Swift function cannot serve: the optimizer merges
/// functions of the same shape into one under another name, and may leave by a tail call.
void tern_bench_measured(void (*body)(void *), void *context);

/// Does nothing; `tern-bench --callgrind` dumps the counts collected so far each time it
/// returns (`--dump-after=tern_bench_dump`), so each workload's counts land in a file of their own.
void tern_bench_dump(void);

#endif
