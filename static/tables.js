// On a narrow screen the tables of pb stack, one row as a block (pb.css, max-width 40rem), so that
// no page scrolls sideways. Each cell then shows its column's name, and ARIA roles keep the table
// semantics that `display: block` takes away in some browsers. Without JavaScript the tables
// still stack; only the column names in each cell are missing.
(function () {
  var sep = document.documentElement.lang === "fr" ? "\u00a0: " : ": ";
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
    table.querySelectorAll("tr").forEach(function (tr) {
      tr.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        var header = cell.parentElement.parentElement.tagName === "THEAD";
        cell.setAttribute("role", header ? "columnheader" : (cell.tagName === "TH" ? "rowheader" : "cell"));
        if (!header && heads[column] && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", heads[column] + sep);
        }
        column += cell.colSpan || 1;
      });
    });
  });
})();
