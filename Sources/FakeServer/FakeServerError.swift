/// Why the fake server refused a request from a test.
public enum FakeServerError: Error, Sendable, Equatable {
    /// `start()` was not called, or the server is stopped.
    case notRunning
    /// A simulated client's JID is not valid, or is not at the server's client domain.
    case invalidClientJID(String)
    /// A client with this full JID is already connected.
    case resourceConflict(String)
}
