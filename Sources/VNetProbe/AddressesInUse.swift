import Foundation
import VNetCollect
import VNetModel

/// Addresses a probe must not take, known before asking the wire: libvirt dnsmasq's leases (the
/// `<bridge>.status` files) and the host's IPv4 neighbour table. The wire is asked afterwards
/// (`AddressInUseCheck`), since a guest with a static address is in neither.
public enum AddressesInUse {
    public static func read(bridges: [String], host: HostSide, paths: LibvirtPaths = .system) -> Set<IPAddress> {
        var found = Set<IPAddress>()
        for bridge in bridges {
            guard let data = FileManager.default.contents(atPath: "\(paths.libDir)/dnsmasq/\(bridge).status"),
                  let leases = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { continue }
            found.formUnion(leases.compactMap { ($0["ip-address"] as? String).flatMap { IPAddress($0) } })
        }
        let table = (try? host.run { try String(contentsOfFile: "/proc/thread-self/net/arp", encoding: .utf8) }) ?? ""
        // Columns: address, HW type, flags, MAC...; flags 0x0 is an entry nobody answered (incomplete), and
        // an entry of a probe's MAC is a finished probe (a live one still answers the ARP probe).
        found.formUnion(table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[2] != "0x0", !fields[3].hasPrefix(ProbeNames.macPrefix) else { return nil }
            return IPAddress(fields[0])
        })
        return found
    }
}
