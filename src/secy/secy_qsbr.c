/*
 * secy_qsbr.c — quiescent-state based reclamation (see secy_qsbr.h).
 *
 * Memory ordering: the writer unlinks a pointer with a seq_cst store and
 * then, after a seq_cst fence, reads the readers' counters; a reader
 * announces itself online with a store followed by a seq_cst fence before
 * it loads any pointer. Of the two, at least one sees the other: either
 * the writer sees the reader online (and waits for it), or the reader
 * sees the unlinked pointer.
 */
#include "secy_qsbr.h"

#include <string.h>
#include <time.h>

#include "qs_err.h"

void
secy_qsbr_init(struct secy_qsbr *q)
{
	memset(q, 0, sizeof(*q));
}

int
secy_qsbr_register(struct secy_qsbr *q)
{
	int id = atomic_load(&q->n);

	if (id >= SECY_QSBR_MAX)
		return QS_ERR_RANGE;
	atomic_store(&q->r[id].qs, 0);
	q->r[id].ctr = 0;
	atomic_store(&q->n, id + 1);
	return id;
}

void
secy_qsbr_online(struct secy_qsbr *q, int id)
{
	struct secy_qsbr_reader *r = &q->r[id];

	atomic_store_explicit(&r->qs, ++r->ctr, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
}

void
secy_qsbr_quiescent(struct secy_qsbr *q, int id)
{
	struct secy_qsbr_reader *r = &q->r[id];

	/* Release: every use of a SecY pointer before this point is done. */
	atomic_store_explicit(&r->qs, ++r->ctr, memory_order_release);
}

void
secy_qsbr_offline(struct secy_qsbr *q, int id)
{
	atomic_store_explicit(&q->r[id].qs, 0, memory_order_release);
}

void
secy_qsbr_sync(void *ctx)
{
	struct secy_qsbr *q = ctx;
	uint64_t snap[SECY_QSBR_MAX];
	struct timespec ts = { 0, 20000 };
	int i, n = atomic_load(&q->n);

	atomic_thread_fence(memory_order_seq_cst);
	for (i = 0; i < n; i++)
		snap[i] = atomic_load(&q->r[i].qs);
	for (i = 0; i < n; i++)
		while (snap[i] != 0 &&
		    atomic_load_explicit(&q->r[i].qs, memory_order_acquire) ==
			snap[i])
			nanosleep(&ts, NULL);
}
