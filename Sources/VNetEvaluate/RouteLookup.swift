import VNetModel

/// Longest-prefix match in one table: the most specific route containing the destination, ties broken
/// by the lowest metric (no metric counts as 0), then by the model's order.
func longestPrefixMatch(_ destination: IPAddress, table: Int, in routes: [Route]) -> Route? {
    let candidates = routes.filter {
        $0.table == table && $0.family == destination.family && $0.destination.contains(destination)
    }
    return candidates.min { a, b in
        if a.destination.length != b.destination.length { return a.destination.length > b.destination.length }
        return (a.metric ?? 0) < (b.metric ?? 0)
    }
}
