import XMPPCore
import Testing

@Suite struct DataFormTests {
    static let config = DataForm(
        type: .form, formType: NS.mucRoomConfig, title: "Configuration for room@muc",
        instructions: ["Fill in the form.", "Then submit it."],
        fields: [
            DataForm.Field("muc#roomconfig_roomname", type: .textSingle, label: "Room name", values: ["Café & <bar>"]),
            DataForm.Field("muc#roomconfig_roomdesc", type: .textMulti, label: "Description", desc: "Shown in disco",
                           values: ["line 1", "line 2", ""]),
            .boolean("muc#roomconfig_persistentroom", true, label: "Persistent"),
            .boolean("muc#roomconfig_membersonly", false),
            DataForm.Field("muc#roomconfig_whois", type: .listSingle, required: true, values: ["moderators"],
                           options: [.init("moderators", label: "Moderators only"), .init("anyone")]),
            DataForm.Field("muc#roomconfig_roomadmins", type: .jidMulti, values: ["a@b", "c@d"]),
            DataForm.Field(nil, type: .fixed, values: ["A fixed note"]),
            DataForm.Field("muc#roomconfig_roomsecret", type: .textPrivate),
        ])

    @Test func buildParseRoundTrip() {
        let element = Self.config.element
        #expect(element.name == "x" && element.namespace == NS.dataForms)
        #expect(element.attribute("type") == "form")
        let parsed = DataForm(element: element)
        #expect(parsed == Self.config)
        #expect(parsed?.formType == NS.mucRoomConfig)
        #expect(parsed?.fields.first?.type == .hidden)
        #expect(parsed?["muc#roomconfig_whois"]?.options.first?.label == "Moderators only")
        #expect(parsed?["muc#roomconfig_whois"]?.required == true)
        #expect(parsed?["muc#roomconfig_roomdesc"]?.desc == "Shown in disco")
        #expect(parsed?["nope"] == nil)
    }

    @Test(arguments: DataForm.FormType.allTypes)
    func everyFormTypeRoundTrips(_ t: DataForm.FormType) {
        let form = DataForm(type: t, fields: [DataForm.Field("f", values: ["v"])])
        #expect(DataForm(element: form.element) == form)
    }

    @Test func booleanValues() {
        func field(_ values: [String]) -> DataForm.Field { DataForm.Field("b", type: .boolean, values: values) }
        #expect(field(["1"]).boolValue == true)
        #expect(field(["true"]).boolValue == true)
        #expect(field(["0"]).boolValue == false)
        #expect(field(["false"]).boolValue == false)
        #expect(field(["yes"]).boolValue == nil)
        #expect(field(["TRUE"]).boolValue == nil)
        #expect(field([]).boolValue == nil)
        #expect(field(["1", "0"]).boolValue == nil)
        #expect(DataForm.Field.boolean("x", true).values == ["1"])
        #expect(DataForm.Field.boolean("x", false).values == ["0"])

        // Submissions from clients use either spelling.
        var x = Element("x", namespace: NS.dataForms, attrs: ["type": "submit"])
        for (name, value) in [("a", "1"), ("b", "true"), ("c", "0"), ("d", "false")] {
            var f = Element("field", namespace: NS.dataForms, attrs: ["var": name])
            f.append(.text("value", namespace: NS.dataForms, value))
            x.append(f)
        }
        let form = DataForm(element: x)
        #expect(form?.type == .submit)
        #expect(["a", "b", "c", "d"].map { form?[$0]?.boolValue } == [true, true, false, false])
        // A field without type in a submission has no type.
        #expect(form?["a"]?.type == nil)
    }

    @Test func refusesWhatIsNotAForm() {
        #expect(DataForm(element: Element("x", namespace: NS.dataForms)) == nil)
        #expect(DataForm(element: Element("x", namespace: NS.dataForms, attrs: ["type": "bogus"])) == nil)
        #expect(DataForm(element: Element("x", namespace: NS.mucUser, attrs: ["type": "form"])) == nil)
        #expect(DataForm(element: Element("form", namespace: NS.dataForms, attrs: ["type": "form"])) == nil)
        // Unknown field types are dropped, the field is kept.
        var x = Element("x", namespace: NS.dataForms, attrs: ["type": "result"])
        x.append(Element("field", namespace: NS.dataForms, attrs: ["var": "v", "type": "fancy"]))
        #expect(DataForm(element: x)?.fields == [DataForm.Field("v")])
    }

    @Test func cancelIsEmpty() {
        #expect(Serializer.string(DataForm(type: .cancel).element) == "<x xmlns='jabber:x:data' type='cancel'/>")
    }
}

extension DataForm.FormType {
    static let allTypes: [DataForm.FormType] = [.form, .submit, .cancel, .result]
}
