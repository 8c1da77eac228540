/* SPDX-License-Identifier: BSD-3-Clause
 * Names of counters and errno values, from their tables. */
#include <errno.h>
#include <stddef.h>

#include "mrx_control.h"

static const char *const counter_names[] = {
#define MRX_COUNTER_NAME(name, text) #name,
	MRX_COUNTERS(MRX_COUNTER_NAME)
#undef MRX_COUNTER_NAME
};

static const char *const counter_descriptions[] = {
#define MRX_COUNTER_TEXT(name, text) text,
	MRX_COUNTERS(MRX_COUNTER_TEXT)
#undef MRX_COUNTER_TEXT
};

const char *mrx_counter_name(enum mrx_counter counter)
{
	return (unsigned)counter < MRX_COUNTER_MAX ? counter_names[counter] : NULL;
}

const char *mrx_counter_description(enum mrx_counter counter)
{
	return (unsigned)counter < MRX_COUNTER_MAX ? counter_descriptions[counter] : NULL;
}

/* The errno values the API returns. */
#define MRX_ERRNOS(X) \
	X(EINVAL) X(EADDRNOTAVAIL) X(ENOBUFS) X(ENODEV) X(ENOPROTOOPT) X(EBADF) X(ENOMEM) \
	X(EAFNOSUPPORT) X(EEXIST) X(ENOSPC) X(EFAULT) X(EBUSY) X(EADDRINUSE) X(ENOENT) \
	X(EPERM) X(EAGAIN) X(ENOTSUP) X(ERANGE) X(EIO) X(EMSGSIZE) X(E2BIG) X(ENAMETOOLONG) \
	X(EALREADY) X(ENOTCONN) X(ETIMEDOUT) X(ECONNREFUSED) X(EACCES) X(ENOTDIR) X(EISDIR)

const char *mrx_errno_name(int error)
{
	if (error < 0)
		error = -error;
	switch (error) {
	case 0:
		return "OK";
#define MRX_ERRNO_CASE(name) \
	case name:           \
		return #name;
		MRX_ERRNOS(MRX_ERRNO_CASE)
#undef MRX_ERRNO_CASE
	}
	return "EUNKNOWN";
}
