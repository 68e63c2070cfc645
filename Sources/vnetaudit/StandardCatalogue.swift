import VNetJudge

extension Catalogue {
    /// Starts loading the built-in catalogue on another thread (while the host is read); it is compiled
    /// in, so failing to load it is a defect of the build.
    static func loadingStandard() -> Background<Catalogue> {
        Background {
            do {
                return try Catalogue.standard()
            } catch {
                throw VNetAuditFailure("the built-in rule catalogue does not load: \(error)")
            }
        }
    }
}
