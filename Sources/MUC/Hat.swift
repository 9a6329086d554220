import XMPPCore

/// A hat (XEP-0317): a room-defined role shown in presence, identified by its URI, and the bare
/// JIDs that wear it. Part of the room's durable state.
public struct HatRecord: Sendable, Equatable, Codable {
    /// Unique identifier of the hat.
    public var uri: String
    /// Human-readable name.
    public var title: String
    /// Hue angle of the hat's colour (XEP-0317 §3.1), as given (a number in [0, 360)).
    public var hue: String?
    /// Bare JIDs wearing it, sorted.
    public var holders: [BareJID]

    public init(uri: String, title: String, hue: String? = nil, holders: [BareJID] = []) {
        self.uri = uri
        self.title = title
        self.hue = hue
        self.holders = holders
    }

    enum CodingKeys: String, CodingKey { case uri, title, hue, holders }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uri = try c.decode(String.self, forKey: .uri)
        title = try c.decode(String.self, forKey: .title)
        hue = try c.decodeIfPresent(String.self, forKey: .hue)
        let strings = try c.decodeIfPresent([String].self, forKey: .holders) ?? []
        holders = []
        for s in strings {
            do { holders.append(try BareJID(s)) } catch {
                throw DecodingError.dataCorruptedError(forKey: .holders, in: c, debugDescription: "invalid bare JID '\(s)': \(error)")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uri, forKey: .uri)
        try c.encode(title, forKey: .title)
        try c.encodeIfPresent(hue, forKey: .hue)
        try c.encode(holders.map(\.description), forKey: .holders)
    }

    /// `<hat uri title hue/>` as shown in presence.
    var element: Element {
        Element("hat", namespace: NS.hats, attrs: ["title": title, "uri": uri, "hue": hue])
    }
}
