import Testing
@testable import VNetModel

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.168.122.1", "192.168.122.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("::", "::"),
        ("::1", "::1"),
        ("fd00:0:0:0:0:0:0:1", "fd00::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("FE80::A:B", "fe80::a:b"),
        ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func parsesAndFormatsCanonically(input: String, canonical: String) throws {
        let a = try #require(IPAddress(input))
        #expect(a.description == canonical)
        #expect(IPAddress(a.description) == a)
        #expect(IPAddress(bytes: a.bytes) == a)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01234.1.1.1", "1::2::3", ":::", "1:2:3:4:5:6:7:8:9",
                      "g::1", "12345::", "1.2.3.-4", "::1.2.3", "1:2:3:4:5:6:7::8:9", " 1.2.3.4"])
    func rejectsMalformedText(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func prefixesAreMaskedAndContainAddresses() throws {
        let p = try #require(IPPrefix("192.168.122.77/24"))
        #expect(p.description == "192.168.122.0/24")
        #expect(p.contains(IPAddress("192.168.122.254")!))
        #expect(!p.contains(IPAddress("192.168.123.1")!))
        #expect(!p.contains(IPAddress("::1")!))
        let v6 = try #require(IPPrefix("fd00:122::1/64"))
        #expect(v6.description == "fd00:122::/64")
        #expect(v6.contains(IPAddress("fd00:122::ffff")!))
        #expect(IPPrefix("10.0.0.0/8")!.overlaps(IPPrefix("10.1.0.0/16")!))
        #expect(!IPPrefix("10.0.0.0/16")!.overlaps(IPPrefix("10.1.0.0/16")!))
        #expect(IPPrefix("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPPrefix("1.2.3.4/33") == nil)
        #expect(IPPrefix("::/129") == nil)
    }

    @Test func netmaskLengths() {
        #expect(IPPrefix.length(ofNetmask: IPAddress("255.255.255.0")!) == 24)
        #expect(IPPrefix.length(ofNetmask: IPAddress("0.0.0.0")!) == 0)
        #expect(IPPrefix.length(ofNetmask: IPAddress("255.0.255.0")!) == nil)
    }
}
