/*
 * posix/layout_check.h - compile-time proof that the ISAPI structs have the
 * layout IIS gives them. C++ only; include it from one translation unit of
 * the host (after, or instead of, "isapi.h").
 *
 * The expected numbers were produced by compiling the real SDK header (the
 * mingw-w64 copy of httpext.h, x86_64-w64-mingw32-g++) and this project's
 * replica side by side and comparing every size, alignment, field offset and
 * constant: all identical on x86-64. Pointer-width dependent numbers are only
 * asserted on x86-64; the rest hold on any target. The checks also pass
 * against the real headers on Windows x64.
 */
#ifndef ISAPI_NODE_POSIX_LAYOUT_CHECK_H
#define ISAPI_NODE_POSIX_LAYOUT_CHECK_H

#ifndef __cplusplus
#  error "posix/layout_check.h needs C++ (static_assert, offsetof on typedefs)"
#endif

#include "../isapi.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace isapi_layout_check {

#define ISAPI_CHECK_SIZE(T, n) \
  static_assert(sizeof(T) == (n), "sizeof(" #T ") differs from the Windows ABI")
#define ISAPI_CHECK_OFFSET(T, f, n) \
  static_assert(offsetof(T, f) == (n), "offsetof(" #T ", " #f ") differs from the Windows ABI")

/* ---- base types: the same on every target -------------------------------- */

ISAPI_CHECK_SIZE(BYTE, 1);
ISAPI_CHECK_SIZE(WORD, 2);
ISAPI_CHECK_SIZE(DWORD, 4);
ISAPI_CHECK_SIZE(BOOL, 4);
ISAPI_CHECK_SIZE(WINBOOL, 4);
ISAPI_CHECK_SIZE(USHORT, 2);
ISAPI_CHECK_SIZE(ULONGLONG, 8);
ISAPI_CHECK_SIZE(WCHAR, 2);
static_assert(sizeof(HANDLE) == sizeof(void *), "HANDLE must be pointer-sized");
static_assert(sizeof(HCONN) == sizeof(void *), "HCONN must be pointer-sized");
static_assert(std::is_unsigned<DWORD>::value, "DWORD must be unsigned");
#if !defined(_WIN32)
static_assert(std::is_same<DWORD, std::uint32_t>::value, "DWORD must be uint32_t on POSIX");
static_assert(std::is_same<WCHAR, char16_t>::value, "WCHAR must be char16_t on POSIX");
/* fd <-> HANDLE round trip used for TRANSMIT_FILE / VECTOR_SEND file handles */
static_assert(sizeof(std::intptr_t) == sizeof(HANDLE), "fd-in-HANDLE needs intptr_t == pointer");
#endif

/* ---- structs without pointers: the same on every target ------------------- */

ISAPI_CHECK_SIZE(HSE_VERSION_INFO, 260);
ISAPI_CHECK_OFFSET(HSE_VERSION_INFO, lpszExtensionDesc, 4);
ISAPI_CHECK_SIZE(HSE_URL_MAPEX_INFO, 280);
ISAPI_CHECK_OFFSET(HSE_URL_MAPEX_INFO, dwFlags, 260);
ISAPI_CHECK_OFFSET(HSE_URL_MAPEX_INFO, cchMatchingURL, 268);
ISAPI_CHECK_SIZE(HSE_UNICODE_URL_MAPEX_INFO, 532);
ISAPI_CHECK_OFFSET(HSE_UNICODE_URL_MAPEX_INFO, dwFlags, 520);
ISAPI_CHECK_SIZE(HSE_EXEC_URL_STATUS, 8);
ISAPI_CHECK_OFFSET(HSE_EXEC_URL_STATUS, dwWin32Error, 4);
ISAPI_CHECK_SIZE(HSE_TRACE_INFO, 28);

/* The ECB prefix before the first pointer is target independent too. */
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, cbSize, 0);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, dwVersion, 4);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, ConnID, 8);

/* ---- 64-bit layouts (verified against mingw-w64 x86_64) -------------------- */

#if defined(__x86_64__) || defined(_M_X64)

ISAPI_CHECK_SIZE(EXTENSION_CONTROL_BLOCK, 192);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, dwHttpStatusCode, 16);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszLogData, 20);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszMethod, 104);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszQueryString, 112);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszPathInfo, 120);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszPathTranslated, 128);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, cbTotalBytes, 136);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, cbAvailable, 140);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpbData, 144);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, lpszContentType, 152);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, GetServerVariable, 160);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, WriteClient, 168);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, ReadClient, 176);
ISAPI_CHECK_OFFSET(EXTENSION_CONTROL_BLOCK, ServerSupportFunction, 184);

ISAPI_CHECK_SIZE(HSE_TF_INFO, 72);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, hFile, 16);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, pszStatusCode, 24);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, BytesToWrite, 32);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, Offset, 36);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, pHead, 40);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, HeadLength, 48);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, pTail, 56);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, TailLength, 64);
ISAPI_CHECK_OFFSET(HSE_TF_INFO, dwFlags, 68);

ISAPI_CHECK_SIZE(HSE_SEND_HEADER_EX_INFO, 32);
ISAPI_CHECK_OFFSET(HSE_SEND_HEADER_EX_INFO, cchStatus, 16);
ISAPI_CHECK_OFFSET(HSE_SEND_HEADER_EX_INFO, cchHeader, 20);
ISAPI_CHECK_OFFSET(HSE_SEND_HEADER_EX_INFO, fKeepConn, 24);

ISAPI_CHECK_SIZE(HSE_VECTOR_ELEMENT, 32);
ISAPI_CHECK_OFFSET(HSE_VECTOR_ELEMENT, pvContext, 8);
ISAPI_CHECK_OFFSET(HSE_VECTOR_ELEMENT, cbOffset, 16);
ISAPI_CHECK_OFFSET(HSE_VECTOR_ELEMENT, cbSize, 24);

ISAPI_CHECK_SIZE(HSE_RESPONSE_VECTOR, 40);
ISAPI_CHECK_OFFSET(HSE_RESPONSE_VECTOR, pszStatus, 8);
ISAPI_CHECK_OFFSET(HSE_RESPONSE_VECTOR, pszHeaders, 16);
ISAPI_CHECK_OFFSET(HSE_RESPONSE_VECTOR, nElementCount, 24);
ISAPI_CHECK_OFFSET(HSE_RESPONSE_VECTOR, lpElementArray, 32);

ISAPI_CHECK_SIZE(HSE_EXEC_URL_INFO, 48);
ISAPI_CHECK_OFFSET(HSE_EXEC_URL_INFO, dwExecUrlFlags, 40);
ISAPI_CHECK_SIZE(HSE_EXEC_URL_USER_INFO, 24);
ISAPI_CHECK_SIZE(HSE_EXEC_URL_ENTITY_INFO, 16);
ISAPI_CHECK_SIZE(HSE_CUSTOM_ERROR_INFO, 16);
ISAPI_CHECK_OFFSET(HSE_CUSTOM_ERROR_INFO, fAsync, 12);
ISAPI_CHECK_SIZE(CERT_CONTEXT_EX, 48);

#endif /* x86-64 */

/* ---- a few constants the host and extension must agree on ----------------- */

static_assert(HSE_VERSION == 0x00060000, "HSE_VERSION must be 6.0");
static_assert(HSE_REQ_DONE_WITH_SESSION == 4, "HSE_REQ_DONE_WITH_SESSION");
static_assert(HSE_APPEND_LOG_PARAMETER == 1003, "HSE_APPEND_LOG_PARAMETER");
static_assert(HSE_REQ_IO_COMPLETION == 1005, "HSE_REQ_IO_COMPLETION");
static_assert(HSE_REQ_SEND_RESPONSE_HEADER_EX == 1016, "HSE_REQ_SEND_RESPONSE_HEADER_EX");
static_assert(HSE_REQ_VECTOR_SEND == 1037, "HSE_REQ_VECTOR_SEND");
static_assert(HSE_REQ_CANCEL_IO == 1049, "HSE_REQ_CANCEL_IO");
static_assert(ERROR_INSUFFICIENT_BUFFER == 122 && ERROR_INVALID_INDEX == 1413,
              "Win32 error numbers must keep their Windows values");

#undef ISAPI_CHECK_SIZE
#undef ISAPI_CHECK_OFFSET

} /* namespace isapi_layout_check */

#endif /* ISAPI_NODE_POSIX_LAYOUT_CHECK_H */
