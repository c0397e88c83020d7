/*
 * qs_log.h — logging with a subsystem token (the OpenBSD log API).
 *
 *	log_warnx("kme", "dec_keys from %s: key %s not found", sae, key_id);
 *
 * Messages go to stderr by default, to syslog after qs_log_open(.., true),
 * or to a sink installed with qs_log_register() (tests and fuzzers use it
 * to silence or capture output). Never pass key bytes to these functions:
 * log key IDs only.
 *
 * Protocol cores do not call these directly when a caller may want the
 * output elsewhere; they take a log callback in their settings instead.
 */
#ifndef QS_LOG_H
#define QS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* qs_log_sink receives every message that passes the level filter. */
typedef void (*qs_log_sink)(int prio, const char *token, const char *msg);

/* qs_log_open sets the program name and the destination (syslog or
 * stderr). |verbose| is the highest priority shown (LOG_INFO by default,
 * LOG_DEBUG for -v). */
void qs_log_open(const char *progname, bool use_syslog, int verbose);

/* qs_log_register replaces the destination with |sink| (NULL restores
 * stderr/syslog). */
void qs_log_register(qs_log_sink sink);

/* qs_log_set_level sets the highest priority that is emitted. */
void qs_log_set_level(int prio);

void qs_vlog(int prio, const char *token, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void log_warn(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_warnx(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_info(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_notice(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_debug(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* log_alarm logs at LOG_ALERT: fail-closed stalls and similar. */
void log_alarm(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* fatal/fatalx log at LOG_CRIT and exit(1); fatal appends strerror(errno). */
void fatal(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fatalx(const char *token, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif /* QS_LOG_H */
