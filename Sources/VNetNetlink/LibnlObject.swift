import CNetlink

/// Owner of one reference to a libnl object (`struct nl_object`: an rtnl_link, rtnl_addr, rtnl_route
/// or rtnl_rule parsed by libnl from one kernel message). Dropping it drops the reference.
package final class LibnlObject {
    /// The object; the rtnl_* getters take it as their own type (same pointer).
    package let handle: OpaquePointer

    /// Takes a new reference on `object`.
    package init(retaining object: OpaquePointer) {
        nl_object_get(object)
        handle = object
    }

    deinit { nl_object_put(handle) }
}
