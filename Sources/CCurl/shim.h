#include <curl/curl.h>

// Only curl's types and constants: HTTPStreaming loads the library itself when the first request
// needs it (LibCurl), so a process that never sends one never loads libcurl and its dozens of
// dependencies (TLS, Kerberos, LDAP…).
typedef size_t (*assistd_curl_data_callback)(char *, size_t, size_t, void *);
