// swift-tools-version:6.0
import PackageDescription

// Data flows one way: collect (live C edges, or snapshot files) -> model (plain Codable values)
// -> evaluate -> judge -> report. Only the C* shims and VNetCollect/VNetCapture see C.
let package = Package(
    name: "vnetaudit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vnetaudit", targets: ["vnetaudit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C edges: system libraries found through pkg-config.
        .systemLibrary(name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CNetlink", path: "Sources/CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "CIPTC", path: "Sources/CIPTC", pkgConfig: "libip4tc libip6tc",
                       providers: [.apt(["libiptc-dev"])]),
        .systemLibrary(name: "CNftables", path: "Sources/CNftables", pkgConfig: "libnftables",
                       providers: [.apt(["libnftables-dev"])]),

        // The neutral host model: value types only, no C, no I/O.
        .target(name: "VNetModel"),
        // Parsers of saved or untrusted text/bytes into the model (iptables-save, nft JSON,
        // libvirt XML, nfnetlink and xtables binary). Never trap on bad input.
        .target(name: "VNetParsers", dependencies: ["VNetModel"]),
        // The netlink edge: the one socket owner (libnl) and the one error type of every netlink user,
        // bounds-checked message and attribute readers, and the protocol numbers named from the headers.
        .target(name: "VNetNetlink", dependencies: ["CNetlink"]),
        // Live collection through netlink, libiptc, libnftables and the libvirt state files.
        .target(name: "VNetCollect", dependencies: [
            "VNetModel", "VNetParsers", "VNetNetlink", "CNetlink", "CIPTC", "CNftables",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Packet-path evaluation over the model: which hooks, chains and rules a packet meets and its fate.
        .target(name: "VNetEvaluate", dependencies: ["VNetModel"]),
        // Judgement: mode claims per network and the diagnostic catalogue (rules/), as findings.
        .target(name: "VNetJudge", dependencies: [
            "VNetModel", "VNetEvaluate", "VNetPackets", .product(name: "Yams", package: "Yams"),
        ]),
        // Decoders of captured frames (Ethernet, VLAN, ARP, IPv4/6, TCP, UDP, ICMP/v6, DHCP, DNS). Pure Swift, never trap.
        .target(name: "VNetPackets", dependencies: ["VNetModel"]),
        // Judgement from captured traffic: flows on bridges and uplinks correlated (through NAT), mode claims
        // judged from packets, evidence pcaps; which interfaces to capture with which filter.
        .target(name: "VNetTraffic", dependencies: ["VNetModel", "VNetPackets", "VNetJudge"]),
        // Snapshot bundles: write and read back the model plus its raw sources.
        .target(name: "VNetSnapshot", dependencies: ["VNetModel", "VNetParsers"]),
        // Text renderers of the model and, later, of verdicts (show, check reports).
        .target(name: "VNetReport", dependencies: ["VNetModel", "VNetEvaluate", "VNetJudge"]),
        // Change verification: two check reports (and the states they judged) compared, regressions explained.
        .target(name: "VNetDiff", dependencies: ["VNetModel", "VNetEvaluate", "VNetJudge"]),
        // libpcap owner (live and offline captures).
        .target(name: "VNetCapture", dependencies: ["CPcap", "CNetlink", "VNetNetlink", "VNetPackets"]),
        // Active probes (check --probe): a veth port on each network's bridge into a private namespace, its
        // exchanges, and the removal of it all (probe --cleanup for killed runs). Changes the host, briefly.
        .target(name: "VNetProbe", dependencies: ["CNetlink", "VNetNetlink", "VNetModel", "VNetCollect"]),
        .executableTarget(name: "vnetaudit", dependencies: [
            "VNetModel", "VNetParsers", "VNetCollect", "VNetSnapshot", "VNetCapture", "VNetReport",
            "VNetEvaluate", "VNetJudge", "VNetPackets", "VNetTraffic", "VNetProbe", "VNetDiff",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: [
            // The Swift runtime and Foundation linked in: no dynamic loading and relocation of their
            // shared libraries at every start (about 9 ms of a 15 ms start on the benchmark machine).
            // Relative relocations packed (DT_RELR, glibc >= 2.36): 105k of them cost the loader ~1 ms a start.
            .unsafeFlags(["-static-stdlib", "-use-ld=lld", "-l_CFXMLInterface", "-lxml2", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims", "-lCoreFoundation",
                          "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux], configuration: .release)),
        ]),

        // Fixture helpers for tests only (namespaces, shell commands, built products).
        .target(name: "VNetTestSupport"),

        .testTarget(name: "VNetModelTests", dependencies: ["VNetModel"]),
        .testTarget(name: "VNetParsersTests", dependencies: ["VNetModel", "VNetParsers", "VNetTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VNetSnapshotTests", dependencies: ["VNetModel", "VNetParsers", "VNetSnapshot", "VNetTestSupport"]),
        // Need root and the C libraries: live collection, read-only proof, libiptc vs iptables-save.
        .testTarget(name: "VNetCollectTests", dependencies: ["VNetModel", "VNetParsers", "VNetNetlink", "VNetCollect", "VNetSnapshot", "VNetTestSupport"]),
        .testTarget(name: "VNetCaptureTests", dependencies: ["VNetCapture", "VNetNetlink", "VNetCollect", "VNetPackets", "VNetTestSupport"]),
        // The lab: real libvirtd in namespaces, both firewall backends, the vnetaudit binary end to end.
        .testTarget(name: "LabTests", dependencies: ["VNetModel", "VNetJudge", "VNetTestSupport"]),
        .testTarget(name: "VNetDiffTests", dependencies: ["VNetModel", "VNetJudge", "VNetDiff", "VNetSnapshot", "VNetTestSupport"]),
        .testTarget(name: "VNetReportTests", dependencies: ["VNetModel", "VNetEvaluate", "VNetJudge", "VNetReport", "VNetTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VNetEvaluateTests", dependencies: ["VNetModel", "VNetEvaluate", "VNetParsers", "VNetTestSupport"]),
        .testTarget(name: "VNetPacketsTests", dependencies: ["VNetModel", "VNetPackets", "VNetTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VNetTrafficTests", dependencies: ["VNetModel", "VNetPackets", "VNetJudge", "VNetTraffic", "VNetTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "VNetJudgeTests", dependencies: ["VNetModel", "VNetEvaluate", "VNetJudge", "VNetParsers", "VNetTestSupport"],
                    resources: [.copy("Fixtures")]),
        // The built binary end to end: inputs, exit codes, messages.
        .testTarget(name: "VNetProbeTests", dependencies: ["VNetModel", "VNetProbe", "VNetTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["VNetModel", "VNetTestSupport"]),
        // Fleets: merge, the fleet report (JSON schema, HTML), the CLI and the Ansible playbook over fixture reports.
        .testTarget(name: "FleetTests", dependencies: ["VNetModel", "VNetJudge", "VNetReport", "VNetSnapshot", "VNetTestSupport"]),
    ]
)
