import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// The system's libcurl, opened with `dlopen` by the first request that needs it rather than by
/// the dynamic loader at start-up: libcurl brings some thirty libraries (TLS, Kerberos, LDAP…)
/// whose loading, relocation and constructors were most of assistd's start-up and a third of its
/// idle memory, and a process may never send a request. Without libcurl installed, that first
/// request fails with an error that says so.
///
/// curl's `setopt` functions are variadic, which Swift cannot call; they are loaded once per kind
/// of argument with a fixed prototype, which Linux's calling conventions (x86-64 and AArch64)
/// pass the same way for integer and pointer arguments.
struct LibCurl: @unchecked Sendable {
    // @unchecked: only C function pointers, fixed after loading.
    typealias Handle = UnsafeMutableRawPointer

    static let soname = "libcurl.so.4"
    /// The process's libcurl: loaded and globally initialised once, on first use.
    static let shared = Result { () throws(TransportError) in try LibCurl(path: soname) }

    let easyInit: @convention(c) () -> Handle?
    let easyCleanup: @convention(c) (Handle?) -> Void
    let easyReset: @convention(c) (Handle?) -> Void
    private let setoptLong: @convention(c) (Handle?, CURLoption, Int) -> CURLcode
    private let setoptPointer: @convention(c) (Handle?, CURLoption, UnsafeRawPointer?) -> CURLcode
    private let setoptSize: @convention(c) (Handle?, CURLoption, curl_off_t) -> CURLcode
    private let setoptCallback: @convention(c) (Handle?, CURLoption, assistd_curl_data_callback?) -> CURLcode
    let easyPause: @convention(c) (Handle?, Int32) -> CURLcode
    let easyStrerror: @convention(c) (CURLcode) -> UnsafePointer<CChar>?
    let slistAppend: @convention(c) (UnsafeMutablePointer<curl_slist>?, UnsafePointer<CChar>?) -> UnsafeMutablePointer<curl_slist>?
    let slistFreeAll: @convention(c) (UnsafeMutablePointer<curl_slist>?) -> Void
    let multiInit: @convention(c) () -> Handle?
    let multiCleanup: @convention(c) (Handle?) -> CURLMcode
    let multiSetLong: @convention(c) (Handle?, CURLMoption, Int) -> CURLMcode
    let multiAddHandle: @convention(c) (Handle?, Handle?) -> CURLMcode
    let multiRemoveHandle: @convention(c) (Handle?, Handle?) -> CURLMcode
    let multiPerform: @convention(c) (Handle?, UnsafeMutablePointer<Int32>?) -> CURLMcode
    let multiInfoRead: @convention(c) (Handle?, UnsafeMutablePointer<Int32>?) -> UnsafeMutablePointer<CURLMsg>?
    let multiPoll: @convention(c) (Handle?, UnsafeMutablePointer<curl_waitfd>?, UInt32, Int32, UnsafeMutablePointer<Int32>?) -> CURLMcode

    /// Opens the library at `path` (a file name is looked up as the dynamic loader does) and
    /// initialises it.
    init(path: String) throws(TransportError) {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw TransportError(
                kind: .other,
                message: "HTTP needs the system's libcurl, which could not be loaded (\(reason)); install it (Debian/Ubuntu: libcurl4)",
                clientUnavailable: true)
        }
        func load<Function>(_ name: String) throws(TransportError) -> Function {
            guard let address = dlsym(library, name) else {
                throw TransportError(kind: .other, message: "\(path) has no \(name): libcurl 7.68 or later is needed", clientUnavailable: true)
            }
            return unsafeBitCast(address, to: Function.self)
        }
        easyInit = try load("curl_easy_init")
        easyCleanup = try load("curl_easy_cleanup")
        easyReset = try load("curl_easy_reset")
        setoptLong = try load("curl_easy_setopt")
        setoptPointer = try load("curl_easy_setopt")
        setoptSize = try load("curl_easy_setopt")
        setoptCallback = try load("curl_easy_setopt")
        easyPause = try load("curl_easy_pause")
        easyStrerror = try load("curl_easy_strerror")
        slistAppend = try load("curl_slist_append")
        slistFreeAll = try load("curl_slist_free_all")
        multiInit = try load("curl_multi_init")
        multiCleanup = try load("curl_multi_cleanup")
        multiSetLong = try load("curl_multi_setopt")
        multiAddHandle = try load("curl_multi_add_handle")
        multiRemoveHandle = try load("curl_multi_remove_handle")
        multiPerform = try load("curl_multi_perform")
        multiInfoRead = try load("curl_multi_info_read")
        multiPoll = try load("curl_multi_poll")
        let globalInit: @convention(c) (Int) -> CURLcode = try load("curl_global_init")
        guard globalInit(Int(CURL_GLOBAL_ALL)) == CURLE_OK else {
            throw TransportError(kind: .other, message: "libcurl failed to initialise (curl_global_init)", clientUnavailable: true)
        }
    }

    /// The process's libcurl, or the error that says why there is none.
    static func load() throws(TransportError) -> LibCurl { try shared.get() }

    // An option that cannot be set shows as the transfer's own error (curl checks at perform).
    @discardableResult
    func setLong(_ handle: Handle?, _ option: CURLoption, _ value: Int) -> CURLcode { setoptLong(handle, option, value) }
    @discardableResult
    func setPointer(_ handle: Handle?, _ option: CURLoption, _ value: UnsafeRawPointer?) -> CURLcode { setoptPointer(handle, option, value) }
    @discardableResult
    func setSize(_ handle: Handle?, _ option: CURLoption, _ value: curl_off_t) -> CURLcode { setoptSize(handle, option, value) }
    @discardableResult
    func setCallback(_ handle: Handle?, _ option: CURLoption, _ value: assistd_curl_data_callback?) -> CURLcode {
        setoptCallback(handle, option, value)
    }

    func describe(_ code: CURLcode) -> String {
        easyStrerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)"
    }
}
