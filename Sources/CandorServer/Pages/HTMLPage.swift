import Foundation
import CandorReports
import Hummingbird
import NIOCore

/// The dashboard's page frame: one inline stylesheet, no scripts, no external assets. Every
/// piece of text that did not come from this file goes through ``h(_:)``.
enum HTMLPage {
    /// Escapes text for HTML element content and quoted attribute values.
    static func h(_ text: String) -> String { Formatting.xml(text) }

    /// Escapes a path segment or query value (and then the result for HTML).
    static func u(_ text: String) -> String {
        h(text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")
    }

    static func response(title: String, body: String, refreshSeconds: Int? = nil) -> Response {
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        if let refreshSeconds { html += "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds)\">" }
        html += "<title>\(h(title)) · Candor</title><style>\(style)</style></head><body>"
        html += "<header><a href=\"/\">Candor</a> <nav><a href=\"/\">Overview</a> <a href=\"/diff\">Diff</a> <a href=\"/api/campaigns\">API</a></nav></header>"
        html += "<main><h1>\(h(title))</h1>\(body)</main></body></html>"
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">Nothing yet.</p>" }
        var html = "<div class=\"scroll\"><table><thead><tr>" + headers.map { "<th>\(h($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return html + "</tbody></table></div>"
    }

    /// RFC 3986 unreserved characters, ASCII only.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#fafbfc}
        header{background:#1d2433;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;flex-wrap:wrap;align-items:center}
        header a{color:#fff;text-decoration:none;margin-right:.8rem}main{max-width:72rem;margin:0 auto;padding:1rem}
        h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}.muted{color:#5b6470}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0}
        th,td{border-bottom:1px solid #e3e6ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
        pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #e3e6ea;padding:.6rem;border-radius:4px}
        mark{background:#fde68a}svg{max-width:100%;height:auto}.bad{color:#b42318;font-weight:600}.ok{color:#067647}
        form{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}input{padding:.3rem;width:7rem}
        """
}
