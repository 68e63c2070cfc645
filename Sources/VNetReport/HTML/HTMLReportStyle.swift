/// The check report's own styles and its one small script (copy buttons, details opened for printing).
/// The page reads and filters completely without the script.
enum HTMLReportStyle {
    static let css = """
        header.summary h1 { margin-bottom: .3rem; }
        .verdict { font-size: 16px; margin: .2rem 0 .8rem; }
        .verdict .status { font-size: 15px; padding: .1rem .6rem; }
        .banner { border: 2px solid var(--warn); background: #fff8c5; padding: .5rem .8rem; border-radius: .3rem; }
        .host-facts th { font-weight: 600; white-space: nowrap; background: #f6f8fa; }
        .coverage { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem .9rem; }
        .coverage-not-collected { color: var(--fail); font-weight: 600; }
        table.counts, table.overview, table.host-facts { margin: .8rem 0; }
        td.count, td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .filter-input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
        nav.filters { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); padding: .5rem 0; margin: 1rem 0; display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .8rem; }
        .filters-label { font-weight: 600; }
        label.filter { cursor: pointer; user-select: none; display: inline-flex; align-items: center; gap: .3rem; border: 1px solid var(--line); border-radius: 1rem; padding: .1rem .7rem .1rem .3rem; }
        label.filter::before { content: ""; display: inline-block; width: 1rem; height: 1rem; line-height: 1rem; text-align: center; color: #fff; font-size: 12px; border: 1px solid var(--muted); border-radius: .2rem; }
        section.network { border-top: 3px solid var(--line); margin-top: 1.6rem; }
        section.network[data-verdict="fail"] { border-top-color: var(--fail); }
        section.network[data-verdict="warn"] { border-top-color: var(--warn); }
        section.network[data-verdict="inconclusive"] { border-top-color: var(--inconclusive); }
        section.network[data-verdict="pass"] { border-top-color: var(--pass); }
        .network-name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
        dl.facts { display: flex; flex-wrap: wrap; gap: .3rem 1.6rem; margin: .4rem 0 .8rem; }
        dl.facts div { display: flex; gap: .4rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; font-weight: 600; }
        article.check { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: .3rem; margin: .5rem 0; padding: .35rem .7rem; }
        article.check.check-fail { border-left-color: var(--fail); }
        article.check.check-warn { border-left-color: var(--warn); }
        article.check.check-inconclusive { border-left-color: var(--inconclusive); }
        article.check.check-pass { border-left-color: var(--pass); }
        article.check summary { cursor: pointer; }
        .check-title { font-weight: 600; }
        .check-id { color: var(--muted); }
        .tag { display: inline-block; border: 1px solid var(--line); border-radius: .3rem; padding: 0 .35rem; font-size: 12px; color: var(--muted); }
        .severity-high, .severity-critical { color: var(--fail); border-color: var(--fail); }
        .message { margin: .5rem 0; }
        h4 { margin: .6rem 0 .3rem; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
        .evidence-item { border-left: 2px solid var(--line); padding-left: .7rem; margin: .4rem 0; }
        .evidence-item p { margin: .2rem 0; }
        .evidence-kind { display: inline-block; min-width: 4.5rem; font-size: 12px; text-transform: uppercase; color: var(--muted); }
        .evidence-source { color: var(--muted); }
        figure.packet-walk-figure { margin: .5rem 0; }
        figure.packet-walk-figure svg { width: 100%; max-width: 880px; height: auto; display: block; }
        details.walk > summary { cursor: pointer; color: var(--muted); }
        figcaption { color: var(--muted); font-size: 12.5px; }
        .remediation { background: #f0f7ff; border: 1px solid #b6d4fe; border-radius: .3rem; padding: .2rem .7rem .5rem; margin: .6rem 0 .2rem; }
        .command { position: relative; margin: .3rem 0; }
        .command pre { margin: 0; padding-right: 4.5rem; background: #fff; border: 1px solid var(--line); }
        .command button.copy { position: absolute; top: .3rem; right: .3rem; font-size: 12px; }
        .command button.copy[hidden] { display: none; }
        section.traffic table { width: 100%; }
        td.alarm { color: var(--fail); font-weight: 600; }
        footer { margin: 2rem 0 1rem; border-top: 1px solid var(--line); padding-top: .5rem; }
        @media print {
          body { font-size: 11pt; }
          nav.filters, .filter-input, button.copy { display: none !important; }
          a { color: inherit; }
          section.network { break-before: auto; }
          .status, label.filter::before, td.alarm { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          .remediation, figure.packet-walk-figure { break-inside: avoid; }
          article.check-pass details.walk:not([open])::details-content { content-visibility: hidden; }
        }
        """

    /// Copy buttons appear only when this runs; printing opens every `<details>` first (the print styles
    /// do too, for browsers without scripts), except the folded packet walks of passed checks, which
    /// print as their one-line caption.
    static let script = """
        <script>
        (function () {
          document.querySelectorAll(".command").forEach(function (block) {
            var button = block.querySelector("button.copy"), code = block.querySelector("code");
            if (!button || !code) return;
            button.hidden = false;
            button.addEventListener("click", function () {
              var text = code.textContent;
              function done() { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); }
              function select() {
                var range = document.createRange(); range.selectNodeContents(code);
                var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
                try { if (document.execCommand("copy")) done(); } catch (e) {}
              }
              if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, select); else select();
            });
          });
          window.addEventListener("beforeprint", function () {
            document.querySelectorAll("details").forEach(function (d) { if (!d.matches("article.check-pass details.walk")) d.open = true; });
          });
        })();
        </script>

        """
}
