// Optional: updates "what is left" while choosing (the server computes it again at review).
(function () {
  "use strict";
  function euros(cents) {
    return (cents / 100).toLocaleString(document.documentElement.lang || "fr",
      { style: "currency", currency: "EUR", maximumFractionDigits: cents % 100 ? 2 : 0 });
  }
  document.querySelectorAll("fieldset.ballot-district").forEach(function (set) {
    var left = set.querySelector(".left");
    if (!left || !left.dataset.tpl) { return; }
    function update() {
      var count = 0, cost = 0, points = 0;
      set.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) { count += 1; cost += parseInt(box.dataset.cost, 10) || 0; });
      set.querySelectorAll("input.points").forEach(function (box) { var n = parseInt(box.value, 10) || 0; if (n > 0) { count += 1; points += n; } });
      var envelope = parseInt(left.dataset.envelope, 10) || 0;
      var budget = parseInt(left.dataset.points, 10) || 0;
      var values = { count: count, cost: euros(cost), envelope: euros(envelope), left: euros(envelope - cost),
                     points: points, pleft: budget - points, max: left.dataset.max };
      left.textContent = left.dataset.tpl.replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
      var over = left.dataset.kind === "knapsack" ? cost > envelope
        : left.dataset.kind === "cumulative" ? points > budget
        : (left.dataset.max !== "" && count > parseInt(left.dataset.max, 10));
      left.classList.toggle("over", over);
    }
    set.addEventListener("change", update);
    set.addEventListener("input", update);
  });
}());
