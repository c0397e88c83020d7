#include "lab_stream.h"

#include <stdlib.h>
#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

int
lab_stream_encode(uint8_t *buf, size_t len, uint64_t run_id, uint64_t seq)
{
	if (len < LAB_STREAM_HDR_LEN)
		return QS_ERR_NOBUF;
	memcpy(buf, LAB_STREAM_MAGIC, LAB_STREAM_MAGIC_LEN);
	qs_store_be64(buf + 16, run_id);
	qs_store_be64(buf + 24, seq);
	memset(buf + LAB_STREAM_HDR_LEN, LAB_STREAM_FILL,
	    len - LAB_STREAM_HDR_LEN);
	return 0;
}

int
lab_stream_decode(
    const uint8_t *buf, size_t len, uint64_t run_id, uint64_t *seq)
{
	/* the header is all we read: check its length first */
	if (len < LAB_STREAM_HDR_LEN)
		return QS_ERR_TRUNC;
	if (memcmp(buf, LAB_STREAM_MAGIC, LAB_STREAM_MAGIC_LEN) != 0 ||
	    qs_load_be64(buf + 16) != run_id)
		return QS_ERR_INVAL;
	*seq = qs_load_be64(buf + 24);
	return 0;
}

int
lab_stream_init(struct lab_stream *s, uint64_t run_id, uint64_t cap,
    qs_tstamp gap_threshold)
{
	memset(s, 0, sizeof(*s));
	if (cap == 0)
		return QS_ERR_INVAL;
	s->seen = calloc((size_t)((cap + 7) / 8), 1);
	if (s->seen == NULL)
		return QS_ERR_NOMEM;
	s->cap = cap;
	s->run_id = run_id;
	s->gap_threshold = gap_threshold;
	return 0;
}

void
lab_stream_free(struct lab_stream *s)
{
	free(s->seen);
	memset(s, 0, sizeof(*s));
}

/* close_gap counts the silence since the last arrival for the current
 * phase if it is a gap (or continues one), at a boundary |now|. */
static void
close_gap(struct lab_stream *s, qs_tstamp now)
{
	struct lab_stream_rx *rx;
	qs_tstamp quiet;

	if (s->n_phases == 0 || now < s->last_rx)
		return;
	rx = &s->rx[s->n_phases - 1];
	quiet = now - s->last_rx;
	if (quiet > s->gap_threshold || (s->in_gap && quiet > 0)) {
		rx->gap_ns += quiet;
		if (quiet > rx->longest_gap_ns)
			rx->longest_gap_ns = quiet;
		/* the next phase goes on counting it */
		s->in_gap = quiet > s->gap_threshold || s->in_gap;
	}
	s->last_rx = now;
}

int
lab_stream_phase_begin(struct lab_stream *s, qs_tstamp now)
{
	if (s->n_phases >= LAB_STREAM_MAX_PHASES || s->ended)
		return QS_ERR_RANGE;
	if (s->n_phases > 0)
		close_gap(s, now);
	else
		s->last_rx = now;
	s->start[s->n_phases] = s->sent;
	s->start[s->n_phases + 1] = s->sent;
	return s->n_phases++;
}

void
lab_stream_phase_end(struct lab_stream *s, qs_tstamp now)
{
	if (s->n_phases == 0 || s->ended)
		return;
	close_gap(s, now);
	s->start[s->n_phases] = s->sent;
	/* no more sending, no more gaps */
	s->ended = 1;
}

int64_t
lab_stream_take(struct lab_stream *s)
{
	if (s->n_phases == 0 || s->ended || s->sent >= s->cap ||
	    s->sent > (uint64_t)INT64_MAX)
		return QS_ERR_RANGE;
	return (int64_t)s->sent++;
}

/* phase_of returns the phase that sent |seq| (seq < s->sent). */
static int
phase_of(const struct lab_stream *s, uint64_t seq)
{
	int p = 0;

	while (p + 1 < s->n_phases && s->start[p + 1] <= seq)
		p++;
	return p;
}

static void
count_gap(struct lab_stream *s, qs_tstamp now)
{
	struct lab_stream_rx *rx = &s->rx[s->n_phases - 1];
	qs_tstamp quiet = now > s->last_rx ? now - s->last_rx : 0;

	if (quiet > s->gap_threshold || (s->in_gap && quiet > 0)) {
		rx->gap_ns += quiet;
		if (quiet > rx->longest_gap_ns)
			rx->longest_gap_ns = quiet;
	}
	s->in_gap = 0;
	if (now > s->last_rx)
		s->last_rx = now;
}

void
lab_stream_on_rx(struct lab_stream *s, uint64_t seq, qs_tstamp now)
{
	struct lab_stream_rx *rx;

	if (s->n_phases == 0 || seq >= s->sent) {
		s->foreign++;
		return;
	}
	if (seq >= s->cap) {
		s->beyond_cap++;
		return;
	}
	if (!s->ended)
		count_gap(s, now);
	rx = &s->rx[phase_of(s, seq)];
	if (s->seen[seq / 8] & (1u << (seq % 8))) {
		rx->dups++;
		return;
	}
	s->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	if (s->any_rx && seq < s->highest)
		rx->reordered++;
	if (!s->any_rx || seq > s->highest)
		s->highest = seq;
	s->any_rx = 1;
}

static int
seen(const struct lab_stream *s, uint64_t i)
{
	return i < s->cap && ((s->seen[i / 8] >> (i % 8)) & 1u);
}

/* count_seen counts the received numbers in [from, to). */
static uint64_t
count_seen(const struct lab_stream *s, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (uint64_t i = from; i < to; i++)
		n += (uint64_t)seen(s, i);
	return n;
}

int
lab_stream_phase_stats(const struct lab_stream *s, int p, uint64_t tail,
    struct lab_stream_phase *out)
{
	uint64_t from, to;

	if (p < 0 || p >= s->n_phases)
		return QS_ERR_RANGE;
	memset(out, 0, sizeof(*out));
	from = s->start[p];
	to = p + 1 < s->n_phases ? s->start[p + 1] : s->sent;
	out->sent = to - from;
	out->received = count_seen(s, from, to);
	out->lost = out->sent - out->received;
	out->dups = s->rx[p].dups;
	out->reordered = s->rx[p].reordered;
	out->tail_sent = out->sent < tail ? out->sent : tail;
	out->tail_received = count_seen(s, to - out->tail_sent, to);
	out->gap_ns = s->rx[p].gap_ns;
	out->longest_gap_ns = s->rx[p].longest_gap_ns;
	return 0;
}

int
lab_stream_lost_runs(
    const struct lab_stream *s, int p, struct lab_stream_gap_run *out, int max)
{
	uint64_t from, to;
	int n = 0;

	if (p < 0 || p >= s->n_phases)
		return QS_ERR_RANGE;
	from = s->start[p];
	to = p + 1 < s->n_phases ? s->start[p + 1] : s->sent;
	for (uint64_t i = from; i < to && n < max; i++) {
		if (seen(s, i))
			continue;
		out[n].first = i;
		while (i < to && !seen(s, i))
			i++;
		out[n].count = i - out[n].first;
		n++;
	}
	return n;
}
