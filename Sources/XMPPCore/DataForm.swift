/// A data form (XEP-0004): parsed from a submission or built to be sent.
public struct DataForm: Sendable, Hashable {
    /// XEP-0004 §3.1: the form's purpose.
    public enum FormType: String, Sendable, Hashable {
        case form, submit, cancel, result
    }

    /// XEP-0004 §3.3: field types.
    public enum FieldType: String, Sendable, Hashable {
        case boolean
        case fixed
        case hidden
        case jidMulti = "jid-multi"
        case jidSingle = "jid-single"
        case listMulti = "list-multi"
        case listSingle = "list-single"
        case textMulti = "text-multi"
        case textPrivate = "text-private"
        case textSingle = "text-single"
    }

    /// An option of a list field.
    public struct Option: Sendable, Hashable {
        public var label: String?
        public var value: String
        public init(_ value: String, label: String? = nil) { self.value = value; self.label = label }
    }

    /// A field: `var`, type, label and values.
    public struct Field: Sendable, Hashable {
        public var variable: String?
        public var type: FieldType?
        public var label: String?
        public var desc: String?
        public var required: Bool
        public var values: [String]
        public var options: [Option]

        public init(_ variable: String?, type: FieldType? = nil, label: String? = nil, desc: String? = nil,
                    required: Bool = false, values: [String] = [], options: [Option] = []) {
            self.variable = variable
            self.type = type
            self.label = label
            self.desc = desc
            self.required = required
            self.values = values
            self.options = options
        }

        /// A boolean field.
        public static func boolean(_ variable: String, _ value: Bool, label: String? = nil) -> Field {
            Field(variable, type: .boolean, label: label, values: [value ? "1" : "0"])
        }

        /// The first value, if any.
        public var value: String? { values.first }

        /// The value read as an XEP-0004 boolean ("1"/"true", "0"/"false"); nil when absent or invalid.
        public var boolValue: Bool? {
            guard values.count == 1 else { return values.isEmpty ? nil : nil }
            switch values[0] {
            case "1", "true": return true
            case "0", "false": return false
            default: return nil
            }
        }
    }

    public var type: FormType
    public var title: String?
    public var instructions: [String]
    public var fields: [Field]

    public init(type: FormType, title: String? = nil, instructions: [String] = [], fields: [Field] = []) {
        self.type = type
        self.title = title
        self.instructions = instructions
        self.fields = fields
    }

    /// A form whose first field is the hidden `FORM_TYPE` (XEP-0068).
    public init(type: FormType, formType: String, title: String? = nil, instructions: [String] = [], fields: [Field] = []) {
        self.init(type: type, title: title, instructions: instructions,
                  fields: [Field("FORM_TYPE", type: .hidden, values: [formType])] + fields)
    }

    /// Reads an `<x xmlns='jabber:x:data'/>` element; nil when it is not one or has no valid type.
    public init?(element: Element) {
        guard element.name == "x", element.namespace == NS.dataForms,
              let t = element.attribute("type").flatMap(FormType.init(rawValue:)) else { return nil }
        self.type = t
        self.title = element.childText("title", namespace: NS.dataForms)
        self.instructions = element.children("instructions", namespace: NS.dataForms).map(\.text)
        self.fields = element.children("field", namespace: NS.dataForms).map { f in
            Field(f.attribute("var"),
                  type: f.attribute("type").flatMap(FieldType.init(rawValue:)),
                  label: f.attribute("label"),
                  desc: f.childText("desc", namespace: NS.dataForms),
                  required: f.child("required", namespace: NS.dataForms) != nil,
                  values: f.children("value", namespace: NS.dataForms).map(\.text),
                  options: f.children("option", namespace: NS.dataForms).map {
                      Option($0.childText("value", namespace: NS.dataForms) ?? "", label: $0.attribute("label"))
                  })
        }
    }

    /// The value of the hidden `FORM_TYPE` field.
    public var formType: String? { self["FORM_TYPE"]?.value }

    /// The field with this `var`.
    public subscript(variable: String) -> Field? {
        fields.first { $0.variable == variable }
    }

    /// The `<x xmlns='jabber:x:data'/>` element.
    public var element: Element {
        var x = Element("x", namespace: NS.dataForms, attrs: ["type": type.rawValue])
        if let title { x.append(.text("title", namespace: NS.dataForms, title)) }
        for i in instructions { x.append(.text("instructions", namespace: NS.dataForms, i)) }
        for f in fields {
            var fe = Element("field", namespace: NS.dataForms, attrs: ["type": f.type?.rawValue, "label": f.label, "var": f.variable])
            if let d = f.desc { fe.append(.text("desc", namespace: NS.dataForms, d)) }
            if f.required { fe.append(Element("required", namespace: NS.dataForms)) }
            for v in f.values { fe.append(.text("value", namespace: NS.dataForms, v)) }
            for o in f.options {
                var oe = Element("option", namespace: NS.dataForms, attrs: ["label": o.label])
                oe.append(.text("value", namespace: NS.dataForms, o.value))
                fe.append(oe)
            }
            x.append(fe)
        }
        return x
    }
}
