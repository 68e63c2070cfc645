import VNetEvaluate

/// A packet's walk (`PathReport`) drawn as inline SVG, in the spirit of the netfilter packet-flow figure
/// but only the way this packet went: where it enters (guest or LAN side), each hook with the base chains
/// that ran there and the rules that did something, each routing decision, then where it ends: out of
/// the egress interface (with the addresses it leaves with), delivered locally, dropped or rejected (and
/// by what), or undecided (and why). Every box says its outcome in words as well as in colour, so the
/// figure reads in black and white print.
enum PacketWalkSVG {
    /// How a box is coloured; also the word in its corner pill.
    enum Tone: String, Comparable {
        case neutral, accept, nat, route, unknown, drop

        /// Which outcome colours a hook whose chains did several things: a stop beats everything.
        private var rank: Int {
            switch self {
            case .neutral: 0
            case .route: 1
            case .accept: 2
            case .nat: 3
            case .unknown: 4
            case .drop: 5
            }
        }
        static func < (a: Tone, b: Tone) -> Bool { a.rank < b.rank }
    }

    /// One line of text in a box: its style and how far it is indented (in levels).
    struct Line {
        enum Style: String { case strong, mono, muted, nat, alarm }
        var text: String
        var style: Style
        var indent = 0
    }

    /// One box of the walk.
    struct Node {
        var label: String
        var tone: Tone
        var pill: String?
        var lines: [Line]
    }

    // Layout, in SVG user units (1:1 with CSS pixels at full width).
    static let width = 880
    private static let boxX = 40, boxWidth = 832, textX = 56, indentWidth = 22
    private static let headerHeight = 26, lineHeight = 16, bottomPadding = 10, gap = 26
    /// Characters of 12px monospace that fit a line of a box (DejaVu Sans Mono: 7.2 px each).
    private static let lineCharacters = 108

    static func render(_ path: PathReport) -> String {
        let nodes = nodes(path)
        var y = 8
        var shapes = ""
        for (index, node) in nodes.enumerated() {
            if index > 0 { shapes += arrow(toY: y) }
            let drawn = box(node, y: y)
            shapes += drawn.markup
            y += drawn.height + gap
        }
        let height = y - gap + 8
        return "<svg class=\"packet-walk\" viewBox=\"0 0 \(width) \(height)\" "
            + "width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(HTMLPage.escape(caption(path)))\">"
            + "<title>\(HTMLPage.escape(caption(path)))</title>\(shapes)</svg>"
    }

    /// The walk in one sentence: the figure's caption and its text alternative.
    static func caption(_ path: PathReport) -> String {
        let p = path.packet
        var out = "Packet walk: \(p.proto) \(p.source) → \(p.destination)\(p.destinationPort.map { " port \($0)" } ?? "")"
        out += p.inInterface.map { ", entering on \($0)" } ?? ", sent by the host"
        out += ": \(path.fate.rawValue)"
        if path.fate == .accepted { out += path.egressInterface.map { ", leaves by \($0)" } ?? ", delivered locally" }
        if let source = path.sourceTranslation { out += "; source NAT: \(source)" }
        if let destination = path.destinationTranslation { out += "; destination NAT: \(destination)" }
        return out + "."
    }

    // MARK: - What the boxes say

    static func nodes(_ path: PathReport) -> [Node] {
        var nodes = [sourceNode(path.packet)]
        var idleHooks: [String] = []
        // Hooks where no base chain ran say nothing each: they share one small box.
        func flushIdleHooks() {
            guard !idleHooks.isEmpty else { return }
            nodes.append(Node(label: idleHooks.joined(separator: ", ") + (idleHooks.count == 1 ? " hook" : " hooks"), tone: .neutral,
                              pill: nil, lines: [Line(text: "no base chain at \(idleHooks.count == 1 ? "this hook" : "these hooks"): passed", style: .muted)]))
            idleHooks = []
        }
        for stage in path.stages {
            if stage.kind == .hook, stage.chains?.isEmpty ?? true {
                idleHooks.append((stage.hook ?? "hook").uppercased())
                continue
            }
            flushIdleHooks()
            nodes.append(stageNode(stage, path))
        }
        flushIdleHooks()
        return nodes + [endNode(path)]
    }

    private static func endpoint(_ address: String, _ port: Int?) -> String {
        guard let port else { return address }
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    private static func sourceNode(_ p: PathReport.PacketSummary) -> Node {
        var lines = [Line(text: "\(endpoint(p.source, p.sourcePort)) → \(endpoint(p.destination, p.destinationPort))  \(p.proto)"
                          + (p.icmpType.map { " type \($0)" } ?? ""), style: .strong)]
        lines.append(Line(text: "conntrack state \(p.state.rawValue), \(p.direction.rawValue) direction", style: .muted))
        if let port = p.bridgePortIn { lines.append(Line(text: "enters the bridge by port \(port)", style: .muted)) }
        let label = p.inInterface.map { "IN  \($0)  (guest or LAN side)" } ?? "FROM THE HOST ITSELF"
        return Node(label: label, tone: .neutral, pill: "PACKET", lines: lines)
    }

    private static func stageNode(_ stage: PathReport.Stage, _ path: PathReport) -> Node {
        switch stage.kind {
        case .hook:
            let chains = stage.chains ?? []
            var lines: [Line] = []
            var tone = Tone.neutral
            for chain in chains {
                let chainTone = self.tone(ofOutcome: chain.outcome)
                tone = max(tone, chainTone)
                lines.append(Line(text: "\(chain.system) \(chain.family) \(chain.table) \(chain.chain) (priority \(chain.priority)) → \(chain.outcome)",
                                  style: chainTone == .drop ? .alarm : .mono))
                for rule in chain.rules {
                    let handle = rule.handle.map { " handle \($0)" } ?? ""
                    let chainName = rule.chain == chain.chain ? "" : "\(rule.chain) "
                    lines.append(Line(text: "\(chainName)rule #\(rule.position)\(handle): \(rule.text)  ⇒ \(rule.action ?? "match undecided")",
                                      style: .mono, indent: 1))
                }
                if let translation = translation(chain.outcome, path) {
                    lines.append(Line(text: translation, style: .nat, indent: 1))
                }
            }
            return Node(label: "\((stage.hook ?? "hook").uppercased()) hook", tone: tone, pill: pill(tone), lines: lines)
        case .routing:
            let outcome = stage.routing ?? "routing"
            let stops = outcome.hasPrefix("dropped") || outcome == "no route"
            let tone: Tone = stops ? .drop : (outcome.hasPrefix("unknown") ? .unknown : .route)
            var lines = [Line(text: outcome, style: stops ? .alarm : .strong)]
            lines += (stage.details ?? []).map { Line(text: $0, style: .muted) }
            return Node(label: "ROUTING DECISION", tone: tone, pill: stops ? "STOP" : (tone == .unknown ? "UNKNOWN" : "ROUTE"), lines: lines)
        case .note:
            return Node(label: "NOTE", tone: .neutral, pill: nil, lines: (stage.details ?? []).map { Line(text: $0, style: .muted) })
        }
    }

    private static func endNode(_ path: PathReport) -> Node {
        let p = path.packet
        switch path.fate {
        case .accepted:
            var lines: [Line] = []
            let source = path.sourceAfterNAT ?? p.source
            let destination = path.destinationAfterNAT ?? p.destination
            lines.append(Line(text: "\(endpoint(source, p.sourcePort)) → \(endpoint(destination, p.destinationPort))  \(p.proto)", style: .strong))
            if let snat = path.sourceTranslation {
                lines.append(Line(text: "source NAT: \(p.source) → \(path.sourceAfterNAT ?? "(the egress interface's address)")  [\(snat)]", style: .nat))
            } else if path.egressInterface != nil {
                lines.append(Line(text: "no source NAT: leaves with its own source address \(p.source)", style: .strong))
            }
            if let dnat = path.destinationTranslation {
                lines.append(Line(text: "destination NAT: \(p.destination) → \(path.destinationAfterNAT ?? "?")  [\(dnat)]", style: .nat))
            }
            if let port = p.bridgePortOut { lines.append(Line(text: "leaves the bridge by port \(port)", style: .muted)) }
            let label = path.egressInterface.map { "OUT  \($0)  (uplink or bridge)" } ?? "DELIVERED TO THE HOST"
            return Node(label: label, tone: .accept, pill: "ACCEPTED", lines: lines)
        case .dropped, .rejected:
            var lines = [Line(text: "the packet goes no further", style: .alarm)]
            if let decider = path.decidedBy { lines.append(Line(text: "decided by \(decider)", style: .mono)) }
            return Node(label: path.fate == .dropped ? "DROPPED" : "REJECTED", tone: .drop, pill: path.fate.rawValue.uppercased(), lines: lines)
        case .unknown:
            var lines = path.unknownBecause.map { Line(text: "undecided: \($0)", style: .mono) }
            if let decider = path.decidedBy { lines.append(Line(text: "last decided by \(decider)", style: .muted)) }
            if lines.isEmpty { lines.append(Line(text: "the evaluator could not decide the fate", style: .muted)) }
            return Node(label: "FATE UNKNOWN", tone: .unknown, pill: "UNKNOWN", lines: lines)
        }
    }

    /// How a chain's outcome (as `PathReport` words it) colours its box.
    static func tone(ofOutcome outcome: String) -> Tone {
        if outcome.hasPrefix("drop") || outcome.hasPrefix("reject") || outcome.hasSuffix("policy drop") { return .drop }
        if outcome.hasPrefix("unknown") { return .unknown }
        if isSourceTranslation(outcome) || isDestinationTranslation(outcome) { return .nat }
        if outcome == "accept" || outcome.hasSuffix("policy accept") { return .accept }
        return .neutral
    }

    private static func isSourceTranslation(_ outcome: String) -> Bool { outcome.hasPrefix("masquerade") || outcome.hasPrefix("snat") }
    private static func isDestinationTranslation(_ outcome: String) -> Bool { outcome.hasPrefix("dnat") || outcome.hasPrefix("redirect") }

    /// The translation a chain bound, as before → after addresses.
    private static func translation(_ outcome: String, _ path: PathReport) -> String? {
        if isSourceTranslation(outcome) {
            return "SNAT here: source \(path.packet.source) → \(path.sourceAfterNAT ?? "(the egress interface's address)")"
        }
        if isDestinationTranslation(outcome) {
            return "DNAT here: destination \(path.packet.destination) → \(path.destinationAfterNAT ?? "(as the rule says)")"
        }
        return nil
    }

    private static func pill(_ tone: Tone) -> String? {
        switch tone {
        case .neutral: nil
        case .accept: "ACCEPT"
        case .nat: "NAT"
        case .route: "ROUTE"
        case .unknown: "UNKNOWN"
        case .drop: "STOP"
        }
    }

    // MARK: - Drawing

    /// Splits text into lines of at most `limit` characters, at spaces where it can.
    static func wrap(_ text: String, limit: Int) -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        while rest.count > limit {
            let window = rest.prefix(limit)
            let cut = window.lastIndex(of: " ").map { $0 > window.startIndex ? $0 : window.endIndex } ?? window.endIndex
            lines.append(String(rest[..<cut]))
            rest = rest[cut...].drop { $0 == " " }
        }
        lines.append(String(rest))
        return lines
    }

    private static func box(_ node: Node, y: Int) -> (markup: String, height: Int) {
        var texts = ""
        var lineY = y + headerHeight + 12
        for line in node.lines {
            let x = textX + line.indent * indentWidth
            let limit = lineCharacters - line.indent * 3
            for (index, piece) in wrap(line.text, limit: limit).enumerated() {
                texts += "<text x=\"\(x + (index > 0 ? indentWidth : 0))\" y=\"\(lineY)\" class=\"pw-t-\(line.style.rawValue)\">\(HTMLPage.escape(piece))</text>"
                lineY += lineHeight
            }
        }
        let height = lineY - y - lineHeight + 4 + bottomPadding
        var out = "<g class=\"pw-node pw-\(node.tone.rawValue)\">"
        out += "<rect class=\"pw-box\" x=\"\(boxX)\" y=\"\(y)\" width=\"\(boxWidth)\" height=\"\(height)\" rx=\"6\"/>"
        out += "<rect class=\"pw-stripe\" x=\"\(boxX)\" y=\"\(y)\" width=\"7\" height=\"\(height)\" rx=\"3\"/>"
        out += "<text class=\"pw-label\" x=\"\(textX)\" y=\"\(y + 18)\">\(HTMLPage.escape(node.label))</text>"
        if let pill = node.pill {
            let pillWidth = 16 + pill.count * 8
            let pillX = boxX + boxWidth - pillWidth - 8
            out += "<rect class=\"pw-pill\" x=\"\(pillX)\" y=\"\(y + 5)\" width=\"\(pillWidth)\" height=\"18\" rx=\"9\"/>"
            out += "<text class=\"pw-pill-text\" x=\"\(pillX + pillWidth / 2)\" y=\"\(y + 18)\" text-anchor=\"middle\">\(HTMLPage.escape(pill))</text>"
        }
        out += texts + "</g>"
        return (out, height)
    }

    /// The arrow from the box above down to the box starting at `toY`.
    private static func arrow(toY: Int) -> String {
        let x = boxX + 28
        return "<g class=\"pw-arrow\"><line x1=\"\(x)\" y1=\"\(toY - gap)\" x2=\"\(x)\" y2=\"\(toY - 7)\"/>"
            + "<polygon points=\"\(x - 6),\(toY - 9) \(x + 6),\(toY - 9) \(x),\(toY - 1)\"/></g>"
    }

    /// The figure's styles (added to the page once): tones as fill and stroke, text by style.
    static let css = """
        svg.packet-walk text { font: 12px "DejaVu Sans Mono", ui-monospace, monospace; fill: #1f2328; }
        svg.packet-walk .pw-label { font: 700 12.5px system-ui, "DejaVu Sans", sans-serif; letter-spacing: .03em; }
        svg.packet-walk .pw-t-strong { font-weight: 700; }
        svg.packet-walk .pw-t-muted { fill: #59636e; }
        svg.packet-walk .pw-t-nat { font-weight: 700; fill: #0a3069; }
        svg.packet-walk .pw-t-alarm { font-weight: 700; fill: #a40e26; }
        svg.packet-walk .pw-pill-text { font: 700 11px system-ui, "DejaVu Sans", sans-serif; fill: #fff; }
        svg.packet-walk .pw-box { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.2; }
        svg.packet-walk .pw-stripe, svg.packet-walk .pw-pill { fill: #8c959f; }
        svg.packet-walk .pw-accept .pw-box { fill: #eefbf1; stroke: #1a7f37; }
        svg.packet-walk .pw-accept .pw-stripe, svg.packet-walk .pw-accept .pw-pill { fill: #1a7f37; }
        svg.packet-walk .pw-nat .pw-box { fill: #eef5ff; stroke: #0969da; stroke-width: 2; }
        svg.packet-walk .pw-nat .pw-stripe, svg.packet-walk .pw-nat .pw-pill { fill: #0969da; }
        svg.packet-walk .pw-route .pw-box { fill: #f6f8fa; stroke: #57606a; stroke-dasharray: 5 3; }
        svg.packet-walk .pw-route .pw-stripe, svg.packet-walk .pw-route .pw-pill { fill: #57606a; }
        svg.packet-walk .pw-unknown .pw-box { fill: #f7f2ff; stroke: #6e40c9; stroke-dasharray: 2 3; stroke-width: 2; }
        svg.packet-walk .pw-unknown .pw-stripe, svg.packet-walk .pw-unknown .pw-pill { fill: #6e40c9; }
        svg.packet-walk .pw-drop .pw-box { fill: #fff0ef; stroke: #cf222e; stroke-width: 2.5; }
        svg.packet-walk .pw-drop .pw-stripe, svg.packet-walk .pw-drop .pw-pill { fill: #cf222e; }
        svg.packet-walk .pw-arrow line { stroke: #57606a; stroke-width: 2; }
        svg.packet-walk .pw-arrow polygon { fill: #57606a; }
        @media print { svg.packet-walk * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
        """
}
