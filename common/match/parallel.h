/*
 * parallel.h - a loop over [0, n) shared by several threads: cdp-match
 * compares millions of record pairs, each independent of the others, and
 * a machine of two cores should finish in half the wall time.
 *
 * The range is cut into chunks of a fixed size that the threads take in
 * turn (a thread descheduled on a busy machine holds up one chunk, not
 * half the work).  Callers keep results per chunk or per thread and put
 * them together in chunk order, so that the output does not depend on
 * the number of threads nor on which thread ran which chunk.
 */
#ifndef CDP_PARALLEL_H
#define CDP_PARALLEL_H

#include <stddef.h>

/* The number of online CPUs, at least 1 (cdp-match's default -j). */
int	par_ncpu(void);

/*
 * fn(arg, thread, lo, hi) for every chunk [lo, hi) of [0, n), chunks of
 * size chunk (the last may be shorter), on nthreads threads: thread is
 * 0 .. nthreads - 1, 0 the caller's own, so that per-thread state can be
 * indexed by it.  Returns when every chunk is done.  With one thread (or
 * one chunk) fn runs in the caller, chunk by chunk.  A thread that
 * cannot be created leaves its share to the others.
 */
void	par_for(int nthreads, size_t n, size_t chunk,
	    void (*fn)(void *arg, int thread, size_t lo, size_t hi),
	    void *arg);

#endif
