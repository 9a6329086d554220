/// A storage failure, with a message meant for an operator's log: it names the place (file path
/// or host:port) and, where there is one, what to do about it.
public struct RoomStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (all mean "not stored" to an owner).
    public enum Kind: Sendable, Equatable {
        /// The backend cannot be reached or opened (server down, directory not writable, timeout).
        case unavailable
        /// Stored data cannot be read back (damaged file, undecodable row).
        case corrupt
        /// The store was opened read-only or the medium refuses writes.
        case readOnly
        /// The schema was written by a newer version of this program.
        case schemaTooNew
        /// The record cannot be stored as given (for example the same JID affiliated twice).
        case invalidRecord
        /// The store was closed.
        case closed
        /// Anything else the backend reported.
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
