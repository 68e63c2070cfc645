import Foundation

/// Validates JSON documents against the repo's JSON Schemas with python3-jsonschema (Draft 2020-12),
/// an implementation independent of the Swift encoder that wrote them.
public enum JSONSchemaValidator {
    /// The repository's `schemas/` folder.
    public static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    /// The validation errors of `document` against `schema` (a file name in `schemas/`); empty when valid.
    public static func errors(of document: String, against schema: String) throws -> [String] {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            doc = json.load(sys.stdin)
            v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
            for e in v.iter_errors(doc):
                print("/".join(map(str, e.absolute_path)) + ": " + e.message)
            """
        let out = try Shell.run(["/usr/bin/python3", "-c", script, schemas.appendingPathComponent(schema).path], input: document)
        guard out.status == 0 else { throw Shell.Failure(command: ["python3 jsonschema", schema], status: out.status, stderr: out.stderr) }
        return out.stdout.split(separator: "\n").map(String.init)
    }
}
