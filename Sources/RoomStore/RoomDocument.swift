import Foundation
import MUC
import XMPPCore

/// The part of a ``RoomRecord`` that the SQL backends keep as one JSON document: everything but the
/// JID (the row key) and the affiliations (their own table, so operators can query them).
/// Shared so that every backend writes the same JSON and rooms move between backends unchanged.
public struct RoomDocument: Sendable, Equatable, Codable {
    /// Version of this document's layout, for future readers.
    public var format: Int
    public var config: RoomConfig
    public var subject: String
    public var subjectNick: String?
    public var subjectTime: Double?
    /// XEP-0317 hats defined in the room (absent in documents written before hats existed).
    public var hats: [HatRecord]

    /// The layout written by this version.
    public static let currentFormat = 1

    public init(_ record: RoomRecord) {
        format = Self.currentFormat
        config = record.config
        subject = record.subject
        subjectNick = record.subjectNick
        subjectTime = record.subjectTime
        hats = record.hats
    }

    enum CodingKeys: String, CodingKey { case format, config, subject, subjectNick, subjectTime, hats }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(Int.self, forKey: .format) ?? 1
        config = try c.decode(RoomConfig.self, forKey: .config)
        subject = try c.decodeIfPresent(String.self, forKey: .subject) ?? ""
        subjectNick = try c.decodeIfPresent(String.self, forKey: .subjectNick)
        subjectTime = try c.decodeIfPresent(Double.self, forKey: .subjectTime)
        hats = try c.decodeIfPresent([HatRecord].self, forKey: .hats) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(config, forKey: .config)
        try c.encode(subject, forKey: .subject)
        try c.encodeIfPresent(subjectNick, forKey: .subjectNick)
        try c.encodeIfPresent(subjectTime, forKey: .subjectTime)
        if !hats.isEmpty { try c.encode(hats, forKey: .hats) }
    }

    /// The full record, given the row's JID and affiliations.
    public func record(jid: BareJID, affiliations: [AffiliationRecord]) -> RoomRecord {
        RoomRecord(jid: jid, config: config, affiliations: affiliations, subject: subject,
                   subjectNick: subjectNick, subjectTime: subjectTime, hats: hats)
    }

    /// Compact JSON text with sorted keys (stable output for diffs and backups).
    public func jsonText() throws(RoomStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(self)
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw RoomStoreError(.invalidRecord, "cannot encode room document: \(error)")
        }
    }

    /// Reads a document written by ``jsonText()``; `room` and `place` only serve the error message.
    public static func decode(_ text: String, room: String, place: String) throws(RoomStoreError) -> RoomDocument {
        do {
            return try JSONDecoder().decode(RoomDocument.self, from: Data(text.utf8))
        } catch {
            throw RoomStoreError(.corrupt, "stored room \(room) in \(place) cannot be decoded (\(error)); "
                + "restore it from a backup or delete the room")
        }
    }
}

extension RoomRecord {
    /// Checks what every backend's schema enforces, so that all of them refuse the same records.
    public func validateForStorage() throws(RoomStoreError) {
        var seen = Set<BareJID>()
        seen.reserveCapacity(affiliations.count)
        for entry in affiliations {
            if entry.affiliation == .none {
                throw RoomStoreError(.invalidRecord, "room \(jid): \(entry.jid) has affiliation 'none', which is never stored")
            }
            if !seen.insert(entry.jid).inserted {
                throw RoomStoreError(.invalidRecord, "room \(jid): \(entry.jid) is affiliated twice")
            }
        }
    }
}

