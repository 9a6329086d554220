/// Namespaces the runner uses.
public enum ScansionNamespace {
    /// The namespace bound to the `scansion` prefix in scripts; attributes in it (`scansion:strict`)
    /// are directives for the matcher, not expected attributes.
    public static let directives = "https://matthewwild.co.uk/projects/scansion"
}
