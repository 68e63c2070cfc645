import CIPTC
import VNetModel
import VNetParsers

/// Prints one libiptc rule (`ipt_entry` / `ip6t_entry` with its matches and target) as the option
/// tokens iptables-legacy-save prints for it, so the model is built by the same tokens->rule mapping
/// as saved text.
enum IptcEntryTokens {
    /// Header flags and inversion bits of ipt_ip / ip6t_ip6.
    private enum Bits {
        static let ipv4Fragment: UInt8 = 0x01, ipv4Goto: UInt8 = 0x02, ipv6Goto: UInt8 = 0x04
        static let invIn: UInt8 = 0x01, invOut: UInt8 = 0x02, invSource: UInt8 = 0x08, invDestination: UInt8 = 0x10
        static let invFragment: UInt8 = 0x20, invProto: UInt8 = 0x40
    }

    /// Size of `xt_entry_match` / `xt_entry_target` headers: u16 size, char name[29], u8 revision.
    private static let extensionHeaderSize = 32

    /// Replaces `tokens` with the rule's tokens, `-A CHAIN` first; returns the rule's counters.
    /// `verdict` is libiptc's name for a standard target (IptcHandle.targetName): the only part that
    /// needs the handle, so the rest can run on any thread while the handle lives.
    static func tokens(of entry: UnsafeRawPointer, chain: String, verdict: String, family: AddressFamily,
                       into tokens: inout [String]) -> Counters {
        tokens.removeAll(keepingCapacity: true)
        tokens.append("-A")
        tokens.append(chain)
        let layout: (headerSize: Int, targetOffset: Int, nextOffset: Int, isGoto: Bool, counters: Counters)
        switch family {
        case .ipv4:
            let e = entry.assumingMemoryBound(to: ipt_entry.self).pointee
            appendIPv4Header(e.ip, to: &tokens)
            layout = (MemoryLayout<ipt_entry>.size, Int(e.target_offset), Int(e.next_offset), e.ip.flags & Bits.ipv4Goto != 0,
                      Counters(packets: e.counters.pcnt, bytes: e.counters.bcnt))
        case .ipv6:
            let e = entry.assumingMemoryBound(to: ip6t_entry.self).pointee
            appendIPv6Header(e.ipv6, to: &tokens)
            layout = (MemoryLayout<ip6t_entry>.size, Int(e.target_offset), Int(e.next_offset), e.ipv6.flags & Bits.ipv6Goto != 0,
                      Counters(packets: e.counters.pcnt, bytes: e.counters.bcnt))
        }

        var offset = layout.headerSize
        while offset + extensionHeaderSize <= layout.targetOffset {
            let size = Int(entry.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard size >= extensionHeaderSize, offset + size <= layout.targetOffset else { break }
            let (name, revision, data) = extensionFields(entry, at: offset, size: size)
            if !XtablesExtensionDecoder.appendMatchTokens(name: name, revision: revision, payload: data, family: family, to: &tokens) {
                tokens += XtablesExtensionDecoder.undecodedMatchTokens(name: name, revision: revision, data: data)
            }
            offset += size
        }

        let targetOffset = layout.targetOffset
        if targetOffset + extensionHeaderSize <= layout.nextOffset {
            let size = Int(entry.loadUnaligned(fromByteOffset: targetOffset, as: UInt16.self))
            let (name, revision, data) = extensionFields(entry, at: targetOffset, size: min(max(size, extensionHeaderSize), layout.nextOffset - targetOffset))
            if name.isEmpty {
                // Standard target: a verdict or a jump, named by libiptc; "" means no target.
                if !verdict.isEmpty {
                    tokens.append(layout.isGoto ? "-g" : "-j")
                    tokens.append(verdict)
                }
            } else {
                if !XtablesExtensionDecoder.appendTargetTokens(name: name, revision: revision, payload: data, family: family, to: &tokens) {
                    tokens += XtablesExtensionDecoder.undecodedTargetTokens(name: name, revision: revision, data: data)
                }
            }
        }
        return layout.counters
    }

    /// Name, revision and payload (borrowed from libiptc's copy of the rule) of the match or target
    /// header at `offset`.
    private static func extensionFields(_ entry: UnsafeRawPointer, at offset: Int, size: Int) -> (String, UInt8, UnsafeRawBufferPointer) {
        let nameBytes = UnsafeRawBufferPointer(start: entry + offset + 2, count: 29)
        let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
        let revision = entry.load(fromByteOffset: offset + 31, as: UInt8.self)
        let data = UnsafeRawBufferPointer(start: entry + offset + extensionHeaderSize, count: size - extensionHeaderSize)
        return (name, revision, data)
    }

    private static func appendIPv4Header(_ ip: ipt_ip, to tokens: inout [String]) {
        let inv = ip.invflags
        appendIPv4Address("-s", ip.src.s_addr, ip.smsk.s_addr, inverted: inv & Bits.invSource != 0, to: &tokens)
        appendIPv4Address("-d", ip.dst.s_addr, ip.dmsk.s_addr, inverted: inv & Bits.invDestination != 0, to: &tokens)
        appendInterface("-i", ip.iniface, ip.iniface_mask, inverted: inv & Bits.invIn != 0, to: &tokens)
        appendInterface("-o", ip.outiface, ip.outiface_mask, inverted: inv & Bits.invOut != 0, to: &tokens)
        appendProtocol(ip.proto, inverted: inv & Bits.invProto != 0, to: &tokens)
        if ip.flags & Bits.ipv4Fragment != 0 {
            if inv & Bits.invFragment != 0 { tokens.append("!") }
            tokens.append("-f")
        }
    }

    private static func appendIPv6Header(_ ip: ip6t_ip6, to tokens: inout [String]) {
        let inv = ip.invflags
        appendIPv6Address("-s", ip.src, ip.smsk, inverted: inv & Bits.invSource != 0, to: &tokens)
        appendIPv6Address("-d", ip.dst, ip.dmsk, inverted: inv & Bits.invDestination != 0, to: &tokens)
        appendInterface("-i", ip.iniface, ip.iniface_mask, inverted: inv & Bits.invIn != 0, to: &tokens)
        appendInterface("-o", ip.outiface, ip.outiface_mask, inverted: inv & Bits.invOut != 0, to: &tokens)
        appendProtocol(ip.proto, inverted: inv & Bits.invProto != 0, to: &tokens)
    }

    /// save_ipv4_addr: omitted only when address, mask and inversion are all zero.
    private static func appendIPv4Address(_ letter: String, _ address: in_addr_t, _ mask: in_addr_t, inverted: Bool,
                                          to tokens: inout [String]) {
        guard mask != 0 || address != 0 || inverted else { return }
        if inverted { tokens.append("!") }
        tokens.append(letter)
        tokens.append(XtablesHeaderText.address(IPAddress(ipv4: UInt32(bigEndian: address)),
                                                mask: IPAddress(ipv4: UInt32(bigEndian: mask))))
    }

    /// save_ipv6_addr: omitted when the mask is empty and not inverted.
    private static func appendIPv6Address(_ letter: String, _ address: in6_addr, _ mask: in6_addr, inverted: Bool,
                                          to tokens: inout [String]) {
        let maskAddress = ipv6(mask)
        guard inverted || !maskAddress.isUnspecified else { return }
        if inverted { tokens.append("!") }
        tokens.append(letter)
        tokens.append(XtablesHeaderText.address(ipv6(address), mask: maskAddress))
    }

    private static func ipv6(_ address: in6_addr) -> IPAddress {
        withUnsafeBytes(of: address) { IPAddress(bytes: $0) ?? IPAddress(ipv6High: 0, low: 0) }
    }

    private typealias InterfaceName = (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                                       CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)
    private typealias InterfaceMask = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                       UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    private static func appendInterface(_ option: String, _ name: InterfaceName, _ mask: InterfaceMask, inverted: Bool,
                                        to tokens: inout [String]) {
        guard let text = interfaceText(name, mask) else { return }
        if inverted { tokens.append("!") }
        tokens.append(option)
        tokens.append(text)
    }

    /// save_iface: the masked part of the name, `+` when the mask stops before the name's NUL.
    private static func interfaceText(_ name: InterfaceName, _ mask: InterfaceMask) -> String? {
        withUnsafeBytes(of: name) { nameBytes in
            withUnsafeBytes(of: mask) { maskBytes in
                guard maskBytes[0] != 0 else { return nil }
                var text: [UInt8] = []
                for i in 0..<16 {
                    if maskBytes[i] != 0 {
                        if nameBytes[i] != 0 { text.append(nameBytes[i]) }
                    } else {
                        if nameBytes[i - 1] != 0 { text.append(UInt8(ascii: "+")) }
                        break
                    }
                }
                return String(decoding: text, as: UTF8.self)
            }
        }
    }

    private static func appendProtocol(_ proto: UInt16, inverted: Bool, to tokens: inout [String]) {
        guard proto != 0 else { return }
        if inverted { tokens.append("!") }
        tokens.append("-p")
        tokens.append(XtablesHeaderText.protocolName(proto))
    }
}
