/// The service's message archive settings (XEP-0313 on room JIDs; `[archive]` in the
/// configuration file).
public struct ArchiveSettings: Sendable, Equatable {
    /// Whether rooms may archive at all. Off: no room archives or answers archive queries, and
    /// the room option is not offered.
    public var enabled: Bool
    /// Whether a room archives when its owner never chose (`muc#roomconfig_enablearchiving`
    /// unset): rooms created before archiving existed follow this too.
    public var byDefault: Bool
    /// Messages in a page when the query names no `<max/>`.
    public var defaultPageSize: Int
    /// Most messages in a page, whatever the query asks for (XEP-0059 lets the archive return fewer).
    public var maxPageSize: Int

    public init(enabled: Bool = true, byDefault: Bool = true, defaultPageSize: Int = 50, maxPageSize: Int = 250) {
        self.enabled = enabled
        self.byDefault = byDefault
        self.defaultPageSize = defaultPageSize
        self.maxPageSize = maxPageSize
    }
}
