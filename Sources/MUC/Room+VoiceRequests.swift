import XMPPCore

extension Room {
    /// §7.13, §8.6: a visitor's voice request goes to the moderators as an approval form; a
    /// moderator's submitted approval grants voice.
    mutating func voiceRequest(_ message: Element, form: DataForm, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
        }
        if sender.role == .moderator, form.type == .submit {
            guard form["muc#request_allow"]?.boolValue == true, let nick = form["muc#roomnick"]?.value,
                  let target = occupants[nick], target.role == .visitor else { return }
            if Permissions.roleChange(actor: affiliation(of: real.bare, ctx), actorRole: sender.role,
                                      target: affiliation(of: target.bare, ctx), current: target.role, new: .participant) == nil {
                applyRole(nick: nick, role: .participant, actor: Actor(nick: sender.nick, jid: real), reason: nil, ctx, &out)
            }
            return
        }
        guard sender.role == .visitor, form["muc#role"]?.value == Role.participant.rawValue else { return }
        let approval = DataForm(type: .form, formType: NS.mucRequest, title: "Voice request",
                                instructions: ["To approve this request for voice, select the \"Grant voice to this person?\" checkbox and submit."],
                                fields: [
                                    DataForm.Field("muc#role", type: .listSingle, label: "Requested role", values: ["participant"]),
                                    DataForm.Field("muc#jid", type: .jidSingle, label: "User ID", values: [real.description]),
                                    DataForm.Field("muc#roomnick", type: .textSingle, label: "Room Nickname", values: [sender.nick]),
                                    DataForm.Field("muc#request_allow", type: .boolean, label: "Grant voice to this person?", values: ["false"]),
                                ])
        let m = Element("message", namespace: NS.component, attrs: ["from": address], children: [approval.element])
        out.emit(m, to: sessions { $0.role == .moderator })
    }
}
