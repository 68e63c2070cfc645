import Testing
import VNetModel
@testable import VNetParsers

/// Malformed iptables-save input fails with the file, line, column and a message that names the problem.
@Suite struct IptablesSaveErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var input: String
        var line: Int
        var column: Int?
        var message: String
        var testDescription: String { message }
    }

    private static let head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"

    /// One rule line (line 5) inside an otherwise valid filter table.
    private static func rule(_ line: String, column: Int?, _ message: String) -> Case {
        Case(input: head + line + "\nCOMMIT\n", line: 5, column: column, message: message)
    }

    static let cases: [Case] = [
        Case(input: "*foo\nCOMMIT\n", line: 1, column: 1, message: "unknown table 'foo' (expected filter, nat, mangle, raw or security)"),
        Case(input: "-A INPUT -j ACCEPT\n", line: 1, column: 1, message: "rule outside a table: no '*table' line before it"),
        Case(input: ":INPUT ACCEPT [0:0]\n", line: 1, column: 1, message: "chain declared outside a table: no '*table' line before it"),
        Case(input: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", line: 1, column: nil,
             message: "table 'filter' has no COMMIT before the end of the input"),
        Case(input: "COMMIT\n", line: 1, column: nil, message: "COMMIT without a table"),
        Case(input: "*filter\n*nat\n", line: 2, column: 1, message: "table 'nat' starts before table 'filter' (line 1) has its COMMIT"),
        Case(input: "*filter\nCOMMIT\n*filter\nCOMMIT\n", line: 3, column: 1, message: "table 'filter' appears twice"),
        Case(input: "*filter\nhello\nCOMMIT\n", line: 2, column: 1,
             message: "unexpected line: expected '*table', ':CHAIN POLICY', a rule, 'COMMIT' or a comment"),
        Case(input: "*filter\n:INPUT ACCEPT [x:0]\nCOMMIT\n", line: 2, column: 15, message: "bad counters '[x:0]' (expected [packets:bytes])"),
        Case(input: "*filter\n:FOO ACCEPT [0:0]\nCOMMIT\n", line: 2, column: 6,
             message: "user chain 'FOO' cannot have policy 'ACCEPT' (not a built-in chain of table 'filter')"),
        Case(input: "*nat\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", line: 2, column: 10,
             message: "user chain 'FORWARD' cannot have policy 'ACCEPT' (not a built-in chain of table 'nat')"),
        Case(input: "*filter\n:INPUT - [0:0]\nCOMMIT\n", line: 2, column: 8, message: "built-in chain 'INPUT' needs policy ACCEPT or DROP, not '-'"),
        Case(input: "*filter\n:X - [0:0]\n:X - [0:0]\nCOMMIT\n", line: 3, column: 2, message: "chain 'X' declared twice"),
        Case(input: "*filter\n:A B C D\nCOMMIT\n", line: 2, column: 1, message: "chain line must be ':CHAIN POLICY [packets:bytes]'"),
        Case(input: head + "-A FOO -j ACCEPT\nCOMMIT\n", line: 5, column: 4, message: "rule for chain 'FOO', which table 'filter' does not declare"),
        rule("-I INPUT 1 -j ACCEPT", column: 1, "unsupported command '-I': only '-A CHAIN' rules are read"),
        rule("-A", column: 1, "-A needs a chain name"),
        rule("[1:2]", column: 1, "counters without a rule"),
        rule("[1:x] -A INPUT", column: 1, "bad counters '[1:x]' (expected [packets:bytes])"),
        rule("-A INPUT -s 300.1.1.1 -j ACCEPT", column: 13, "bad IPv4 address '300.1.1.1' for -s"),
        rule("-A INPUT -d 2001:db8::1 -j ACCEPT", column: 13, "bad IPv4 address '2001:db8::1' for -d"),
        rule("-A INPUT -s 10.0.0.0/33 -j ACCEPT", column: 13, "bad IPv4 address '10.0.0.0/33' for -s"),
        rule("-A INPUT -p tcp -m tcp --dport 70000 -j ACCEPT", column: 32, "bad port '70000' for --dport"),
        rule("-A INPUT -p tcp -m tcp --sport 9:2 -j ACCEPT", column: 32, "bad port '9:2' for --sport"),
        rule("-A INPUT -p tcp -m multiport --dports 80,x -j ACCEPT", column: 39, "bad port 'x' for --dports"),
        rule("-A INPUT -m comment --comment \"abc -j ACCEPT", column: 31, "unterminated quote"),
        rule("-A INPUT -p foo -j ACCEPT", column: 13, "unknown protocol 'foo'"),
        rule("-A INPUT -s", column: 10, "option -s needs a value"),
        rule("-A INPUT -m conntrack --ctstate FOO -j ACCEPT", column: 33, "bad state 'FOO'"),
        rule("-A INPUT ! ! -s 1.2.3.4 -j ACCEPT", column: 12, "'!' given twice"),
        rule("-A INPUT foo -j ACCEPT", column: 10, "unexpected 'foo' where an option was expected"),
        rule("-A INPUT -m mark --mark zz -j ACCEPT", column: 25, "bad mark 'zz'"),
        rule("-A INPUT --dport 22 -j ACCEPT", column: 10, "unknown option '--dport'"),
        rule("-A INPUT -j REJECT --reject-with nope", column: 34, "unknown --reject-with 'nope'"),
        rule("-A INPUT -p tcp -j DNAT --to-destination 1.2.3.4:99999", column: 42, "bad --to-destination '1.2.3.4:99999'"),
        rule("-A INPUT -m mac --mac-source 52:54:00 -j ACCEPT", column: 30, "bad MAC address '52:54:00'"),
        rule("-A INPUT -i abcdefghijklmnopq -j ACCEPT", column: 13, "bad interface name 'abcdefghijklmnopq' for -i"),
        rule("-A INPUT -j ACCEPT -j DROP", column: 20, "more than one target"),
        rule("-A INPUT ! -m tcp -j ACCEPT", column: 10, "'!' cannot negate -m"),
        rule("-A INPUT -j ACCEPT !", column: 20, "'!' at the end of the rule"),
        rule("-A INPUT -m addrtype --src-type LOCALE -j ACCEPT", column: 33, "bad address type 'LOCALE'"),
        rule("-A INPUT -p icmp -m icmp --icmp-type bogus -j ACCEPT", column: 38, "bad ICMP type 'bogus'"),
    ]

    @Test(arguments: cases)
    func malformedInputNamesLineColumnAndProblem(_ c: Case) {
        #expect(throws: IptablesSaveError(file: "rules.v4", line: c.line, column: c.column, message: c.message)) {
            try IptablesSaveParser.parse(c.input, family: .ipv4, system: .xtables, file: "rules.v4")
        }
    }

    @Test func descriptionIsFileLineColumnMessage() {
        #expect(IptablesSaveError(file: "f", line: 3, column: 7, message: "m").description == "f:3:7: m")
        #expect(IptablesSaveError(file: "f", line: 3, message: "m").description == "f:3: m")
    }
}
