import CIPTC
import Testing
import VNetModel
import VNetParsers

/// XtablesExtensionDecoder reads payloads at hand-written offsets; these tests fill the real C structs
/// from the kernel headers and check the decoder reads them back, so an offset that drifts from the
/// header fails here.
@Suite struct IptcPayloadLayoutTests {
    private func bytes<T>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    private func match<T>(_ name: String, _ revision: UInt8, _ value: T, _ family: AddressFamily = .ipv4) -> [String]? {
        XtablesExtensionDecoder.matchTokens(name: name, revision: revision, data: bytes(value), family: family)
    }

    private func target<T>(_ name: String, _ revision: UInt8, _ value: T, _ family: AddressFamily = .ipv4) -> [String]? {
        XtablesExtensionDecoder.targetTokens(name: name, revision: revision, data: bytes(value), family: family)
    }

    @Test func entryHeaderSizesMatchTheDecoder() {
        #expect(MemoryLayout<xt_entry_match>.size == 32)
        #expect(MemoryLayout<xt_entry_target>.size == 32)
        #expect(MemoryLayout<ipt_entry>.size == 112)
        #expect(MemoryLayout<ip6t_entry>.size == 168)
    }

    @Test func tcpAndUdp() {
        var tcp = xt_tcp()
        tcp.spts = (1024, 65535)
        tcp.dpts = (22, 22)
        tcp.flg_mask = 0x17
        tcp.flg_cmp = 0x02
        tcp.invflags = UInt8(XT_TCP_INV_DSTPT | XT_TCP_INV_FLAGS)
        #expect(MemoryLayout<xt_tcp>.offset(of: \.invflags) == 11)
        #expect(match("tcp", 0, tcp) == ["-m", "tcp", "--sport", "1024:65535", "!", "--dport", "22",
                                         "!", "--tcp-flags", "FIN,SYN,RST,ACK", "SYN"])
        var udp = xt_udp()
        udp.spts = (0, 65535)
        udp.dpts = (53, 53)
        udp.invflags = UInt8(XT_UDP_INV_SRCPT)
        #expect(MemoryLayout<xt_udp>.offset(of: \.invflags) == 8)
        #expect(match("udp", 0, udp) == ["-m", "udp", "--dport", "53"])
    }

    @Test func multiportWithRanges() {
        var info = xt_multiport_v1()
        info.flags = UInt8(XT_MULTIPORT_DESTINATION.rawValue)
        info.count = 3
        info.ports.0 = 80
        info.ports.1 = 8000
        info.ports.2 = 8080
        info.pflags.1 = 1
        info.invert = 1
        #expect(MemoryLayout<xt_multiport_v1>.offset(of: \.pflags) == 32)
        #expect(MemoryLayout<xt_multiport_v1>.offset(of: \.invert) == 47)
        #expect(match("multiport", 1, info) == ["-m", "multiport", "!", "--dports", "80,8000:8080"])
    }

    @Test func conntrackRevision3() {
        var info = xt_conntrack_mtinfo3()
        info.match_flags = UInt16(XT_CONNTRACK_STATE | XT_CONNTRACK_ORIGSRC | XT_CONNTRACK_ORIGDST_PORT | XT_CONNTRACK_DIRECTION)
        info.invert_flags = UInt16(XT_CONNTRACK_ORIGSRC | XT_CONNTRACK_DIRECTION)
        info.state_mask = UInt16(1 << 2 | 1 << 1)
        info.origsrc_addr.ip = UInt32(0x0a00_0000).bigEndian
        info.origsrc_mask.ip = UInt32(0xff00_0000).bigEndian
        info.origdst_port = 20
        info.origdst_port_high = 30
        #expect(MemoryLayout<xt_conntrack_mtinfo3>.offset(of: \.match_flags) == 146)
        #expect(MemoryLayout<xt_conntrack_mtinfo3>.offset(of: \.state_mask) == 150)
        #expect(MemoryLayout<xt_conntrack_mtinfo3>.offset(of: \.origsrc_port_high) == 154)
        #expect(MemoryLayout<xt_conntrack_mtinfo1>.offset(of: \.status_mask) == 151)
        #expect(match("conntrack", 3, info) == ["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "!", "--ctorigsrc",
                                                "10.0.0.0/8", "--ctorigdstport", "20:30", "--ctdir", "REPLY"])
        info.match_flags |= UInt16(XT_CONNTRACK_STATE_ALIAS)
        info.match_flags &= ~UInt16(XT_CONNTRACK_ORIGSRC | XT_CONNTRACK_ORIGDST_PORT | XT_CONNTRACK_DIRECTION)
        #expect(match("conntrack", 3, info) == ["-m", "state", "--state", "RELATED,ESTABLISHED"])
    }

    @Test func physdevAddrtypeMarkMacIprangePkttype() {
        var physdev = xt_physdev_info()
        withUnsafeMutableBytes(of: &physdev.physindev) { $0.copyBytes(from: Array("vnet0".utf8)) }
        physdev.bitmask = UInt8(XT_PHYSDEV_OP_IN | XT_PHYSDEV_OP_BRIDGED)
        physdev.invert = UInt8(XT_PHYSDEV_OP_BRIDGED)
        #expect(MemoryLayout<xt_physdev_info>.offset(of: \.bitmask) == 65)
        #expect(match("physdev", 0, physdev) == ["-m", "physdev", "--physdev-in", "vnet0", "!", "--physdev-is-bridged"])

        var addrtype = xt_addrtype_info_v1()
        addrtype.dest = UInt16(XT_ADDRTYPE_LOCAL)
        addrtype.flags = UInt32(XT_ADDRTYPE_INVERT_DEST | XT_ADDRTYPE_LIMIT_IFACE_IN)
        #expect(match("addrtype", 1, addrtype) == ["-m", "addrtype", "!", "--dst-type", "LOCAL", "--limit-iface-in"])

        var mark = xt_mark_mtinfo1()
        mark.mark = 0x1
        mark.mask = 0xff
        mark.invert = 1
        #expect(MemoryLayout<xt_mark_mtinfo1>.offset(of: \.invert) == 8)
        #expect(match("mark", 1, mark) == ["-m", "mark", "!", "--mark", "0x1/0xff"])

        var mac = xt_mac_info()
        mac.srcaddr = (0x52, 0x54, 0x00, 0xab, 0xcd, 0xef)
        #expect(MemoryLayout<xt_mac_info>.offset(of: \.invert) == 8)
        #expect(match("mac", 0, mac) == ["-m", "mac", "--mac-source", "52:54:00:ab:cd:ef"])

        var range = xt_iprange_mtinfo()
        range.src_min.ip = UInt32(0x0a00_0001).bigEndian
        range.src_max.ip = UInt32(0x0a00_0009).bigEndian
        range.flags = UInt8(IPRANGE_SRC | IPRANGE_SRC_INV)
        #expect(MemoryLayout<xt_iprange_mtinfo>.offset(of: \.flags) == 64)
        #expect(match("iprange", 1, range) == ["-m", "iprange", "!", "--src-range", "10.0.0.1-10.0.0.9"])

        var pkttype = xt_pkttype_info()
        pkttype.pkttype = 1
        pkttype.invert = 1
        #expect(match("pkttype", 0, pkttype) == ["-m", "pkttype", "!", "--pkt-type", "broadcast"])

        var limit = xt_rateinfo()
        limit.avg = 10000 * 60 / 3
        limit.burst = 7
        #expect(MemoryLayout<xt_rateinfo>.offset(of: \.burst) == 4)
        #expect(match("limit", 0, limit) == ["-m", "limit", "--limit", "3/min", "--limit-burst", "7"])
    }

    @Test func headerValueAndCountingMatches() {
        var ttl = ipt_ttl_info()
        ttl.mode = UInt8(IPT_TTL_LT)
        ttl.ttl = 10
        #expect(MemoryLayout<ipt_ttl_info>.offset(of: \.ttl) == 1)
        #expect(match("ttl", 0, ttl) == ["-m", "ttl", "--ttl-lt", "10"])
        var hl = ip6t_hl_info()
        hl.mode = UInt8(IP6T_HL_NE)
        hl.hop_limit = 255
        #expect(MemoryLayout<ip6t_hl_info>.offset(of: \.hop_limit) == 1)
        #expect(match("hl", 0, hl, .ipv6) == ["-m", "hl", "!", "--hl-eq", "255"])
        var rt = ip6t_rt()
        rt.rt_type = 0
        rt.segsleft = (1, 3)
        rt.flags = UInt8(IP6T_RT_TYP | IP6T_RT_SGS)
        rt.invflags = UInt8(IP6T_RT_INV_SGS)
        #expect(MemoryLayout<ip6t_rt>.offset(of: \.segsleft) == 4)
        #expect(MemoryLayout<ip6t_rt>.offset(of: \.hdrlen) == 12)
        #expect(MemoryLayout<ip6t_rt>.offset(of: \.flags) == 16)
        #expect(MemoryLayout<ip6t_rt>.offset(of: \.invflags) == 17)
        #expect(match("rt", 0, rt, .ipv6) == ["-m", "rt", "--rt-type", "0", "!", "--rt-segsleft", "1:3"])
        rt.flags |= UInt8(IP6T_RT_FST)
        #expect(match("rt", 0, rt, .ipv6) == nil)  // an address list: left undecoded
        #expect(match("ttl", 0, ttl, .ipv6) == nil)

        var dscp = xt_dscp_info()
        dscp.dscp = 0x2e
        dscp.invert = 1
        #expect(MemoryLayout<xt_dscp_info>.offset(of: \.invert) == 1)
        #expect(match("dscp", 0, dscp) == ["-m", "dscp", "!", "--dscp", "0x2e"])

        var length = xt_length_info()
        length.min = 1201
        length.max = 65535
        #expect(MemoryLayout<xt_length_info>.offset(of: \.max) == 2)
        #expect(MemoryLayout<xt_length_info>.offset(of: \.invert) == 4)
        #expect(match("length", 0, length) == ["-m", "length", "--length", "1201:65535"])

        var quota = xt_quota_info()
        quota.flags = UInt32(XT_QUOTA_INVERT.rawValue)
        quota.quota = 1_000_000
        #expect(MemoryLayout<xt_quota_info>.offset(of: \.quota) == 8)
        #expect(match("quota", 0, quota) == ["-m", "quota", "!", "--quota", "1000000"])

        var connlimit = xt_connlimit_info()
        connlimit.v4_mask = UInt32(0xffff_ff00).bigEndian
        connlimit.limit = 3
        connlimit.flags = UInt32(XT_CONNLIMIT_DADDR)
        #expect(MemoryLayout<xt_connlimit_info>.offset(of: \.limit) == 16)
        #expect(MemoryLayout<xt_connlimit_info>.offset(of: \.flags) == 20)
        #expect(match("connlimit", 1, connlimit) == ["-m", "connlimit", "--connlimit-above", "3", "--connlimit-mask", "24",
                                                     "--connlimit-daddr"])

        var hashlimit = xt_hashlimit_mtinfo3()
        withUnsafeMutableBytes(of: &hashlimit.name) { $0.copyBytes(from: Array("ssh".utf8)) }
        hashlimit.cfg.avg = 1_000_000 / 10
        hashlimit.cfg.burst = 5
        hashlimit.cfg.mode = UInt32(XT_HASHLIMIT_HASH_SIP | XT_HASHLIMIT_INVERT)
        hashlimit.cfg.gc_interval = 1000
        hashlimit.cfg.expire = 1000
        hashlimit.cfg.srcmask = 24
        hashlimit.cfg.dstmask = 32
        #expect(MemoryLayout<xt_hashlimit_mtinfo3>.offset(of: \.cfg) == 256)
        #expect(MemoryLayout<xt_hashlimit_mtinfo3>.offset(of: \.cfg.interval) == 292)
        #expect(MemoryLayout<xt_hashlimit_mtinfo3>.offset(of: \.cfg.dstmask) == 297)
        #expect(match("hashlimit", 3, hashlimit) == ["-m", "hashlimit", "--hashlimit-above", "10/sec", "--hashlimit-burst", "5",
                                                     "--hashlimit-mode", "srcip", "--hashlimit-name", "ssh", "--hashlimit-srcmask", "24"])
    }

    @Test func natRanges() {
        var compat = nf_nat_ipv4_multi_range_compat()
        compat.rangesize = 1
        compat.range.flags = UInt32(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED | NF_NAT_RANGE_PERSISTENT)
        compat.range.min_ip = UInt32(0xc0a8_7a0a).bigEndian
        compat.range.max_ip = UInt32(0xc0a8_7a0c).bigEndian
        compat.range.min.all = UInt16(80).bigEndian
        compat.range.max.all = UInt16(90).bigEndian
        #expect(target("DNAT", 0, compat) == ["-j", "DNAT", "--to-destination", "192.168.122.10-192.168.122.12:80-90", "--persistent"])

        var range2 = nf_nat_range2()
        range2.flags = UInt32(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED | NF_NAT_RANGE_PROTO_OFFSET)
        range2.min_addr.ip6.0 = UInt32(0xfd00_0000).bigEndian
        range2.min_addr.ip6.3 = UInt32(0x10).bigEndian
        range2.max_addr = range2.min_addr
        range2.min_proto.all = UInt16(1000).bigEndian
        range2.max_proto.all = UInt16(2000).bigEndian
        range2.base_proto.all = UInt16(50).bigEndian
        #expect(MemoryLayout<nf_nat_range2>.offset(of: \.base_proto) == 40)
        #expect(MemoryLayout<nf_nat_range>.offset(of: \.min_proto) == 36)
        #expect(target("DNAT", 2, range2, .ipv6) == ["-j", "DNAT", "--to-destination", "[fd00::10]:1000-2000/50"])

        var masquerade = nf_nat_range()
        masquerade.flags = UInt32(NF_NAT_RANGE_PROTO_SPECIFIED | NF_NAT_RANGE_PROTO_RANDOM_FULLY)
        masquerade.min_proto.all = UInt16(1024).bigEndian
        masquerade.max_proto.all = UInt16(65535).bigEndian
        #expect(target("MASQUERADE", 0, masquerade, .ipv6) == ["-j", "MASQUERADE", "--to-ports", "1024-65535", "--random-fully"])
    }

    @Test func otherTargets() {
        #expect(target("REJECT", 0, ipt_reject_info(with: IPT_TCP_RESET)) == ["-j", "REJECT", "--reject-with", "tcp-reset"])
        #expect(target("REJECT", 0, ip6t_reject_info(with: IP6T_ICMP6_ADM_PROHIBITED.rawValue), .ipv6)
                == ["-j", "REJECT", "--reject-with", "icmp6-adm-prohibited"])
        #expect(target("MARK", 2, xt_mark_tginfo2(mark: 0x4000, mask: 0x4000)) == ["-j", "MARK", "--set-xmark", "0x4000/0x4000"])

        var connmark = xt_connmark_tginfo2()
        connmark.ctmask = 0xff
        connmark.nfmask = 0xff
        connmark.mode = UInt8(XT_CONNMARK_SAVE)
        connmark.shift_dir = UInt8(D_SHIFT_RIGHT)
        connmark.shift_bits = 2
        #expect(MemoryLayout<xt_connmark_tginfo2>.offset(of: \.mode) == 14)
        #expect(target("CONNMARK", 2, connmark) == ["-j", "CONNMARK", "--save-mark", "--nfmask", "0xff", "--ctmask", "0xff",
                                                    "--right-shift-mark", "2"])

        #expect(target("CHECKSUM", 0, xt_CHECKSUM_info(operation: UInt8(XT_CHECKSUM_OP_FILL))) == ["-j", "CHECKSUM", "--checksum-fill"])

        var log = xt_log_info()
        log.level = 6
        log.logflags = UInt8(XT_LOG_UID)
        withUnsafeMutableBytes(of: &log.prefix) { $0.copyBytes(from: Array("in: ".utf8)) }
        #expect(MemoryLayout<xt_log_info>.offset(of: \.prefix) == 2)
        #expect(target("LOG", 0, log) == ["-j", "LOG", "--log-prefix", "in: ", "--log-level", "6", "--log-uid"])

        var ct = xt_ct_target_info_v1()
        ct.flags = UInt16(XT_CT_NOTRACK)
        withUnsafeMutableBytes(of: &ct.helper) { $0.copyBytes(from: Array("ftp".utf8)) }
        #expect(MemoryLayout<xt_ct_target_info_v1>.offset(of: \.helper) == 12)
        #expect(MemoryLayout<xt_ct_target_info_v1>.offset(of: \.timeout) == 28)
        #expect(target("CT", 1, ct) == ["-j", "CT", "--notrack", "--helper", "ftp"])

        #expect(target("TCPMSS", 0, xt_tcpmss_info(mss: 0xffff)) == ["-j", "TCPMSS", "--clamp-mss-to-pmtu"])
    }
}
