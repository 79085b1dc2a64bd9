/*
 * posix/win32_types.h - the small subset of Win32 base types, macros and
 * error numbers that the ISAPI ABI needs, for non-Windows builds.
 *
 * Include "isapi.h" rather than this file directly. Never include it on
 * Windows: there <windows.h> provides all of this.
 *
 * Widths follow the Windows (LLP64) model, not the native C types:
 *   - DWORD is uint32_t (unsigned long is 64-bit on Linux, so it is not used);
 *   - BOOL/WINBOOL are int; HANDLE, PVOID, LPVOID, HCONN are pointer-sized;
 *   - WCHAR is a 16-bit UTF-16 code unit (char16_t), not wchar_t (32-bit here);
 *   - WINAPI expands to nothing (it is __stdcall only on 32-bit Windows).
 *
 * File handles: wherever the ABI carries a file HANDLE (HSE_TF_INFO.hFile, a
 * file HSE_VECTOR_ELEMENT), host and extension agree on Linux that it holds a
 * file descriptor: (HANDLE)(intptr_t)fd, read back with ISAPI_HANDLE_TO_FD.
 * fd 0 would look like a NULL handle, so never pass fd 0.
 *
 * Error numbers keep their Win32 values so the extension's logic is the same
 * on both platforms.
 */
#ifndef ISAPI_NODE_POSIX_WIN32_TYPES_H
#define ISAPI_NODE_POSIX_WIN32_TYPES_H

#if defined(_WIN32)
#  error "posix/win32_types.h is for non-Windows builds; include isapi.h instead"
#endif

#include <stddef.h>
#include <stdint.h>
#if !defined(__cplusplus)
#  include <uchar.h> /* char16_t for C (it is a keyword in C++) */
#endif

/* ---- calling convention and visibility ---------------------------------- */

#ifndef WINAPI
#  define WINAPI /* no calling-convention decoration outside 32-bit Windows */
#endif

/* Symbols that cross the host/extension boundary must stay visible even when
 * a component is built with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#  define ISAPI_POSIX_VISIBLE __attribute__((visibility("default")))
#else
#  define ISAPI_POSIX_VISIBLE
#endif

/* ---- base types ---------------------------------------------------------- */

#ifndef VOID
#  define VOID void
#endif

typedef uint8_t   BYTE;
typedef uint16_t  WORD;
typedef uint32_t  DWORD;
typedef int32_t   LONG;
typedef uint32_t  ULONG;
typedef unsigned short USHORT;
typedef int64_t   LONGLONG;
typedef uint64_t  ULONGLONG;
typedef int32_t   HRESULT;

typedef int       BOOL;
typedef int       WINBOOL;

typedef char      CHAR;
typedef char16_t  WCHAR;

typedef intptr_t  LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;

typedef void          *PVOID;
typedef void          *LPVOID;
typedef const void    *LPCVOID;
typedef void          *HANDLE;
typedef BYTE          *PBYTE;
typedef BYTE          *LPBYTE;
typedef DWORD         *PDWORD;
typedef DWORD         *LPDWORD;
typedef BOOL          *PBOOL;
typedef BOOL          *LPBOOL;
typedef CHAR          *PSTR;
typedef CHAR          *LPSTR;
typedef const CHAR    *PCSTR;
typedef const CHAR    *LPCSTR;
typedef WCHAR         *PWSTR;
typedef WCHAR         *LPWSTR;
typedef const WCHAR   *PCWSTR;
typedef const WCHAR   *LPCWSTR;

/* HCONN is declared by httpext.h on Windows; it is also provided here so that
 * code needing only the base types can name it. Guarded against a repeat. */
#ifndef ISAPI_POSIX_HCONN_DEFINED
#  define ISAPI_POSIX_HCONN_DEFINED
typedef LPVOID HCONN;
#endif

#ifndef TRUE
#  define TRUE 1
#endif
#ifndef FALSE
#  define FALSE 0
#endif

#define MAX_PATH 260

#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)

/* fd <-> HANDLE for the Linux file-handle convention described above. */
#define ISAPI_FD_TO_HANDLE(fd) ((HANDLE)(intptr_t)(fd))
#define ISAPI_HANDLE_TO_FD(h)  ((int)(intptr_t)(h))

/* ---- word packing (same arithmetic as the Windows macros) ---------------- */

#define MAKELONG(lo, hi) \
  ((LONG)(((WORD)(((DWORD_PTR)(lo)) & 0xffff)) | \
          ((DWORD)((WORD)(((DWORD_PTR)(hi)) & 0xffff))) << 16))
#define LOWORD(l) ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#define HIWORD(l) ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))

/* ---- Win32 error numbers (winerror.h values) ----------------------------- */

#define ERROR_SUCCESS               0
#define ERROR_INVALID_HANDLE        6
#define ERROR_NOT_ENOUGH_MEMORY     8
#define ERROR_HANDLE_EOF            38
#define ERROR_NOT_SUPPORTED         50
#define ERROR_NETNAME_DELETED       64
#define ERROR_INVALID_PARAMETER     87
#define ERROR_INSUFFICIENT_BUFFER   122
#define ERROR_NO_DATA               232
#define ERROR_OPERATION_ABORTED     995
#define ERROR_IO_PENDING            997
#define ERROR_CONNECTION_ABORTED    1236
#define ERROR_INVALID_INDEX         1413

/* ---- last-error slot ----------------------------------------------------- */

/*
 * Per-thread "last error", as on Windows. On Linux these are NOT defined in
 * this project's headers or in the extension: the test host executable
 * defines them (thread-local storage) and exports them from its dynamic
 * symbol table (it must be linked with -rdynamic or an equivalent export
 * list). An extension .so leaves them undefined and the dynamic linker binds
 * them to the host's copies at dlopen time, so host callbacks and extension
 * code share one slot per thread.
 */
#ifdef __cplusplus
extern "C" {
#endif

ISAPI_POSIX_VISIBLE void  SetLastError(DWORD dwErrCode);
ISAPI_POSIX_VISIBLE DWORD GetLastError(void);

#ifdef __cplusplus
}
#endif

#endif /* ISAPI_NODE_POSIX_WIN32_TYPES_H */
