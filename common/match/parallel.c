/*
 * parallel.c - chunks of a range shared by threads; see parallel.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"
#include "match/parallel.h"

struct par {
	size_t	 n, chunk;
	size_t	 next;		/* first index not yet taken (atomic) */
	void	(*fn)(void *, int, size_t, size_t);
	void	*arg;
};

struct par_thread {
	struct par *p;
	int	 id;
};

static void
run(struct par *p, int id)
{
	size_t lo;

	while ((lo = __atomic_fetch_add(&p->next, p->chunk,
	    __ATOMIC_RELAXED)) < p->n)
		p->fn(p->arg, id, lo, lo + p->chunk < p->n ? lo + p->chunk :
		    p->n);
}

static void *
start(void *arg)
{
	struct par_thread *t = arg;

	run(t->p, t->id);
	return NULL;
}

int
par_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

void
par_for(int nthreads, size_t n, size_t chunk,
    void (*fn)(void *, int, size_t, size_t), void *arg)
{
	struct par p;
	struct par_thread *t;
	pthread_t *tid;
	int i, *ok;

	if (chunk == 0)
		chunk = 1;
	p.n = n;
	p.chunk = chunk;
	p.next = 0;
	p.fn = fn;
	p.arg = arg;
	if (nthreads < 2 || n <= chunk) {
		run(&p, 0);
		return;
	}
	t = xcalloc((size_t)nthreads, sizeof(*t));
	tid = xcalloc((size_t)nthreads, sizeof(*tid));
	ok = xcalloc((size_t)nthreads, sizeof(*ok));
	for (i = 1; i < nthreads; i++) {
		t[i].p = &p;
		t[i].id = i;
		ok[i] = pthread_create(&tid[i], NULL, start, &t[i]) == 0;
	}
	run(&p, 0);
	for (i = 1; i < nthreads; i++)
		if (ok[i])
			pthread_join(tid[i], NULL);
	free(t);
	free(tid);
	free(ok);
}
