import CNetlink

/// Owner of a libnl callback set (`struct nl_cb`) used for one dump, so the socket's own default
/// callbacks are never changed and no context pointer outlives the dump that used it.
final class NetlinkCallback {
    let handle: OpaquePointer

    init() throws(NetlinkError) {
        handle = try libnlCheck(nl_cb_alloc(NL_CB_DEFAULT), "nl_cb_alloc")
    }

    deinit { nl_cb_put(handle) }
}
