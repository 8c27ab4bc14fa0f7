// The complaint queue's bulk bar, once scripts run: only the fields of the chosen action are shown,
// and one box selects every complaint on the page. Without scripts every field stays visible and the
// server still checks what each action needs.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var action = form.querySelector("#bulk-action");
  function showFields() {
    form.querySelectorAll("[data-for]").forEach(function (field) {
      field.hidden = field.getAttribute("data-for").split(" ").indexOf(action.value) < 0;
    });
  }
  action.addEventListener("change", showFields);
  showFields();

  var all = form.querySelector("#select-all");
  var boxes = form.querySelectorAll(".row-check");
  if (!all || !boxes.length) return;
  form.querySelector("#select-all-field").hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var ticked = form.querySelectorAll(".row-check:checked").length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  });
})();
