/// MUC status codes (XEP-0045 §16.6 registry) used by this service.
enum StatusCode: Int {
    /// Entering a non-anonymous room: anyone can see your full JID.
    case nonAnonymous = 100
    /// A non-privacy-related configuration change.
    case configurationChanged = 104
    /// The presence refers to the receiving occupant.
    case selfPresence = 110
    /// Room logging is now enabled / is enabled on entering.
    case loggingEnabled = 170
    /// Room logging is now disabled.
    case loggingDisabled = 171
    /// The room is now non-anonymous.
    case nowNonAnonymous = 172
    /// The room is now semi-anonymous.
    case nowSemiAnonymous = 173
    /// A new room has been created.
    case roomCreated = 201
    /// The service assigned or modified the nick.
    case nickModified = 210
    /// Banned.
    case banned = 301
    /// Nick change (on the unavailable presence for the old nick).
    case nickChanged = 303
    /// Kicked.
    case kicked = 307
    /// Removed because of an affiliation change.
    case affiliationChangeRemoval = 321
    /// Removed because the room became members-only.
    case membersOnlyRemoval = 322
    /// Removed because the service is shutting down.
    case serviceShutdown = 332
    /// Removed because of an error reply (ghost removal).
    case errorRemoval = 333
}
