#include "qs_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_progname = "qmacsec";
static bool log_syslog;
static int log_level = LOG_INFO;
static qs_log_sink log_sink;

void
qs_log_open(const char *progname, bool use_syslog, int verbose)
{
	log_progname = progname;
	log_syslog = use_syslog;
	log_level = verbose;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
qs_log_register(qs_log_sink sink)
{
	log_sink = sink;
}

void
qs_log_set_level(int prio)
{
	log_level = prio;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT: return "ALARM";
	case LOG_CRIT: return "FATAL";
	case LOG_ERR:
	case LOG_WARNING: return "warn";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void
qs_vlog(int prio, const char *token, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timespec ts;
	struct tm tm;

	if (prio > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL) {
		log_sink(prio, token, msg);
		return;
	}
	if (log_syslog) {
		syslog(prio, "[%s] %s", token, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s [%s] %s\n", tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_progname,
	    prio_name(prio), token, msg);
}

#define LOG_BODY(prio)                         \
	do {                                   \
		va_list ap;                    \
		va_start(ap, fmt);             \
		qs_vlog(prio, token, fmt, ap); \
		va_end(ap);                    \
	} while (0)

void
log_warn(const char *token, const char *fmt, ...)
{
	char buf[768];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx(token, "%s: %s", buf, strerror(saved));
}

void
log_warnx(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING);
}

void
log_info(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_INFO);
}

void
log_notice(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_NOTICE);
}

void
log_debug(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_DEBUG);
}

void
log_alarm(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_ALERT);
}

void
fatal(const char *token, const char *fmt, ...)
{
	char buf[768];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fatalx(token, "%s: %s", buf, strerror(saved));
}

void
fatalx(const char *token, const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT);
	exit(1);
}
