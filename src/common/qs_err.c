#include "qs_err.h"

#include <stdarg.h>
#include <stdio.h>

const char *
qs_strerror(int err)
{
	switch (err) {
	case QS_OK: return "success";
	case QS_ERR_INVAL: return "invalid argument or malformed input";
	case QS_ERR_NOBUF: return "output buffer too small";
	case QS_ERR_TRUNC: return "input truncated";
	case QS_ERR_PROTO: return "protocol violation";
	case QS_ERR_RANGE: return "value out of range";
	case QS_ERR_NOTFOUND: return "not found";
	case QS_ERR_EXISTS: return "already exists";
	case QS_ERR_AUTH: return "authentication failed";
	case QS_ERR_REPLAY: return "replayed";
	case QS_ERR_NOKEY: return "no key available";
	case QS_ERR_EXPIRED: return "expired";
	case QS_ERR_STATE: return "not allowed in this state";
	case QS_ERR_UNSUPPORTED: return "not supported";
	case QS_ERR_BUSY: return "busy, try again later";
	case QS_ERR_TIMEOUT: return "timed out";
	case QS_ERR_IO: return "input/output error";
	case QS_ERR_CRYPTO: return "cryptographic library error";
	case QS_ERR_CONFIG: return "invalid configuration";
	case QS_ERR_NOMEM: return "out of memory";
	case QS_ERR_INTERNAL: return "internal error";
	default: return "unknown error";
	}
}

void
qs_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
