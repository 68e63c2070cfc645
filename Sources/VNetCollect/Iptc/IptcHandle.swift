import CIPTC
import Foundation
import VNetModel

/// A libiptc failure, made in one place from errno and iptc_strerror/ip6tc_strerror.
public struct IptcError: Error, CustomStringConvertible, Equatable, Sendable {
    public var family: AddressFamily
    public var table: String
    public var errno: Int32
    public var message: String

    public var description: String {
        "cannot read legacy \(family == .ipv4 ? "iptables" : "ip6tables") table '\(table)': \(message)"
    }
}

/// libiptc's two libraries (libip4tc, libip6tc) behind one set of functions, entries as raw pointers.
struct IptcFunctions: Sendable {
    let family: AddressFamily
    let initTable: @Sendable (UnsafePointer<CChar>) -> OpaquePointer?
    let free: @Sendable (OpaquePointer) -> Void
    let firstChain: @Sendable (OpaquePointer) -> UnsafePointer<CChar>?
    let nextChain: @Sendable (OpaquePointer) -> UnsafePointer<CChar>?
    let isBuiltin: @Sendable (UnsafePointer<CChar>, OpaquePointer) -> Bool
    let policy: @Sendable (UnsafePointer<CChar>, UnsafeMutablePointer<xt_counters>, OpaquePointer) -> UnsafePointer<CChar>?
    let firstRule: @Sendable (UnsafePointer<CChar>, OpaquePointer) -> UnsafeRawPointer?
    let nextRule: @Sendable (UnsafeRawPointer, OpaquePointer) -> UnsafeRawPointer?
    let target: @Sendable (UnsafeRawPointer, OpaquePointer) -> UnsafePointer<CChar>?
    let strerror: @Sendable (Int32) -> UnsafePointer<CChar>?

    static let ipv4 = IptcFunctions(
        family: .ipv4,
        initTable: { iptc_init($0) },
        free: { iptc_free($0) },
        firstChain: { iptc_first_chain($0) },
        nextChain: { iptc_next_chain($0) },
        isBuiltin: { iptc_builtin($0, $1) != 0 },
        policy: { iptc_get_policy($0, $1, $2) },
        firstRule: { UnsafeRawPointer(iptc_first_rule($0, $1)) },
        nextRule: { UnsafeRawPointer(iptc_next_rule($0.assumingMemoryBound(to: ipt_entry.self), $1)) },
        target: { iptc_get_target($0.assumingMemoryBound(to: ipt_entry.self), $1) },
        strerror: { iptc_strerror($0) })

    static let ipv6 = IptcFunctions(
        family: .ipv6,
        initTable: { ip6tc_init($0) },
        free: { ip6tc_free($0) },
        firstChain: { ip6tc_first_chain($0) },
        nextChain: { ip6tc_next_chain($0) },
        isBuiltin: { ip6tc_builtin($0, $1) != 0 },
        policy: { ip6tc_get_policy($0, $1, $2) },
        firstRule: { UnsafeRawPointer(ip6tc_first_rule($0, $1)) },
        nextRule: { UnsafeRawPointer(ip6tc_next_rule($0.assumingMemoryBound(to: ip6t_entry.self), $1)) },
        target: { ip6tc_get_target($0.assumingMemoryBound(to: ip6t_entry.self), $1) },
        strerror: { ip6tc_strerror($0) })

    static func of(_ family: AddressFamily) -> IptcFunctions { family == .ipv4 ? .ipv4 : .ipv6 }
}

/// The one owner of a libiptc table handle (a snapshot of one table copied from the kernel); frees it
/// in deinit. libiptc keeps global error state, so use a handle from one thread at a time.
final class IptcHandle {
    let functions: IptcFunctions
    let table: String
    let pointer: OpaquePointer

    init(table: String, family: AddressFamily) throws(IptcError) {
        let functions = IptcFunctions.of(family)
        guard let pointer = table.withCString({ functions.initTable($0) }) else {
            throw Self.error(functions, table: table, errno: errno)
        }
        self.functions = functions
        self.table = table
        self.pointer = pointer
    }

    deinit { functions.free(pointer) }

    /// Chain names in libiptc order: built-in chains in hook order, then user chains sorted.
    var chainNames: [String] {
        var names: [String] = []
        var chain = functions.firstChain(pointer)
        while let current = chain {
            names.append(String(cString: current))
            chain = functions.nextChain(pointer)
        }
        return names
    }

    /// Policy and policy counters of a built-in chain; nil for a user chain.
    func policy(of chain: String) -> (policy: String, counters: Counters)? {
        var counters = xt_counters()
        guard let policy = chain.withCString({ functions.policy($0, &counters, pointer) }) else { return nil }
        return (String(cString: policy), Counters(packets: counters.pcnt, bytes: counters.bcnt))
    }

    /// Calls `body` with each rule of `chain` (an ipt_entry or ip6t_entry) in order.
    func forEachRule(of chain: String, _ body: (UnsafeRawPointer) -> Void) {
        chain.withCString { name in
            var rule = functions.firstRule(name, pointer)
            while let current = rule {
                body(current)
                rule = functions.nextRule(current, pointer)
            }
        }
    }

    /// libiptc's name for a rule's verdict: ACCEPT/DROP/RETURN/QUEUE, a chain, an extension target, or
    /// "" for a rule without target.
    func targetName(of entry: UnsafeRawPointer) -> String {
        functions.target(entry, pointer).map { String(cString: $0) } ?? ""
    }

    private static func error(_ functions: IptcFunctions, table: String, errno: Int32) -> IptcError {
        let message = functions.strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
        return IptcError(family: functions.family, table: table, errno: errno, message: message)
    }
}
