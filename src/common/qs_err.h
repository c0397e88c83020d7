/*
 * qs_err.h — the project's error codes.
 *
 * Every function that can fail returns int: 0 on success, or one of the
 * negative QS_ERR_* codes below. Codes at or below QS_ERR_FATAL mean the
 * object that returned them can no longer be used. Protocol errors are
 * never reported through errno.
 */
#ifndef QS_ERR_H
#define QS_ERR_H

#include <stddef.h>

enum {
	QS_OK = 0,
	/* QS_ERR_INVAL: an argument or input is malformed. */
	QS_ERR_INVAL = -1,
	/* QS_ERR_NOBUF: an output buffer is too small. */
	QS_ERR_NOBUF = -2,
	/* QS_ERR_TRUNC: an input ends before a field it announces. */
	QS_ERR_TRUNC = -3,
	/* QS_ERR_PROTO: an input violates the protocol (bad version, bits). */
	QS_ERR_PROTO = -4,
	/* QS_ERR_RANGE: a value is outside the range the caller allows. */
	QS_ERR_RANGE = -5,
	/* QS_ERR_NOTFOUND: the object looked up does not exist. */
	QS_ERR_NOTFOUND = -6,
	/* QS_ERR_EXISTS: the object to create exists already. */
	QS_ERR_EXISTS = -7,
	/* QS_ERR_AUTH: an integrity check or an authorization failed. */
	QS_ERR_AUTH = -8,
	/* QS_ERR_REPLAY: a packet number or message number was replayed. */
	QS_ERR_REPLAY = -9,
	/* QS_ERR_NOKEY: no key is installed or available. */
	QS_ERR_NOKEY = -10,
	/* QS_ERR_EXPIRED: the key or object has outlived its lifetime. */
	QS_ERR_EXPIRED = -11,
	/* QS_ERR_STATE: the call is not allowed in the current state. */
	QS_ERR_STATE = -12,
	/* QS_ERR_UNSUPPORTED: a valid request for a feature we lack. */
	QS_ERR_UNSUPPORTED = -13,
	/* QS_ERR_BUSY: try again later (pool empty, rate limited). */
	QS_ERR_BUSY = -14,
	/* QS_ERR_TIMEOUT: the operation did not finish in time. */
	QS_ERR_TIMEOUT = -15,
	/* QS_ERR_IO: a system call or a storage operation failed. */
	QS_ERR_IO = -16,
	/* QS_ERR_CRYPTO: the crypto library reported a failure. */
	QS_ERR_CRYPTO = -17,
	/* QS_ERR_CONFIG: the configuration is invalid. */
	QS_ERR_CONFIG = -18,
	/* QS_ERR_FATAL: codes at or below this one are fatal. */
	QS_ERR_FATAL = -500,
	/* QS_ERR_NOMEM: out of memory. */
	QS_ERR_NOMEM = -501,
	/* QS_ERR_INTERNAL: an invariant of our own code was broken. */
	QS_ERR_INTERNAL = -502,
};

/* qs_strerror returns a short English description of |err|; never NULL. */
const char *qs_strerror(int err);

/* qs_errf writes a message to |err| (|errlen| bytes) like snprintf; it
 * does nothing if |err| is NULL or |errlen| is 0. For the "char *err,
 * size_t errlen" out-parameters of the project's functions. */
void qs_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* qs_err_is_fatal returns nonzero if |err| is in the fatal band. */
static inline int
qs_err_is_fatal(int err)
{
	return err <= QS_ERR_FATAL;
}

#endif /* QS_ERR_H */
