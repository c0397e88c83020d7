/*
 * lab_proc.h — processes and ports of a lab (`qmacsec lab`).
 *
 * A lab lives in one directory. Every process it starts is recorded in
 * DIR/pids ("name pid" per line), logs to DIR/<name>.log, and runs in its
 * own session so that the CLI can exit while the lab runs on.
 * lab_stop_all() stops them all (SIGTERM, then SIGKILL after a grace
 * period) and removes DIR/pids.
 */
#ifndef QS_LAB_PROC_H
#define QS_LAB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* lab_free_port returns a TCP port on 127.0.0.1 that was free a moment
 * ago (the kernel picks it), or -1. */
int lab_free_port(void);

/* lab_find_prog writes the path of program |prog| (e.g. "qkd-kme") to
 * |buf|: next to this executable, in the build tree's cmd/<prog>/, or on
 * PATH. Returns 0 or -1 if not found. */
int lab_find_prog(const char *prog, char *buf, size_t len);

/* lab_spawn starts |argv| (argv[0] a path) as |name| in |dir|, recording
 * its pid. |netns| is NULL or a network namespace to run it in (through
 * `ip netns exec`). Returns the pid, or -1 with a message on stderr. */
pid_t lab_spawn(
    const char *dir, const char *name, const char *netns, char *const argv[]);

/* lab_alive returns true if the recorded process |name| still runs. */
bool lab_alive(const char *dir, const char *name);

/* lab_stop_all stops every recorded process; returns how many it
 * stopped. */
int lab_stop_all(const char *dir);

/* lab_stop stops the recorded process |name| (SIGTERM, then SIGKILL
 * after a grace period) and removes it from DIR/pids. Returns 1 if it was
 * running, else 0. */
int lab_stop(const char *dir, const char *name);

/* lab_write_file writes |text| to DIR/name with mode |mode|. Returns 0 or
 * -1 with a message on stderr. */
int lab_write_file(
    const char *dir, const char *name, const char *text, unsigned mode);

#endif /* QS_LAB_PROC_H */
