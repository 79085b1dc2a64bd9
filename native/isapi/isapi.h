/*
 * isapi.h - the one header every part of isapi-node includes for the ISAPI ABI.
 *
 * On Windows the real SDK headers are used, so the extension is built against
 * exactly what IIS expects. On other platforms (the Linux test host and the
 * extension built for it) a portable replica in posix/ supplies the same names,
 * constants and struct layouts; see posix/win32_types.h for the conventions.
 */
#ifndef ISAPI_NODE_ISAPI_H
#define ISAPI_NODE_ISAPI_H

#if defined(_WIN32)
#  include <windows.h>
#  include <httpext.h>
#else
#  include "posix/win32_types.h"
#  include "posix/httpext.h"
#endif

/* A function another module finds by name (the ISAPI entry points, a backend library's opener):
 * on Windows a .def file exports it undecorated; elsewhere it stays visible under
 * -fvisibility=hidden. */
#ifdef __cplusplus
#  define ISAPI_NODE_EXTERN_C extern "C"
#else
#  define ISAPI_NODE_EXTERN_C
#endif
#if defined(_WIN32)
#  define ISAPI_NODE_EXPORT ISAPI_NODE_EXTERN_C
#else
#  define ISAPI_NODE_EXPORT ISAPI_NODE_EXTERN_C ISAPI_POSIX_VISIBLE
#endif

#endif /* ISAPI_NODE_ISAPI_H */
