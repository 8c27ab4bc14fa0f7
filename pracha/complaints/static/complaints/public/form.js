// Progressive enhancement of the complaint forms: without this script they work as they are.
// 1. The district and subdistrict lists follow the province and district chosen (from the
//    agencies API), so the "show the districts" button is not needed.
// 2. "Use my location" fills the latitude and longitude from the phone's position.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en" : "th";

  function fill(select, items, prompt) {
    var keep = select.value;
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = prompt;
    select.appendChild(first);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = (lang === "en" && item.name_en) || item.name_th;
      select.appendChild(option);
    });
    if (items.some(function (item) { return item.code === keep; })) { select.value = keep; }
  }

  function load(url, select, prompt) {
    select.disabled = true;
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { fill(select, items, prompt); })
      .catch(function () { fill(select, [], prompt); })
      .finally(function () { select.disabled = false; });
  }

  function placeSelects(root) {
    var province = root.querySelector("select[name=province]");
    var district = root.querySelector("select[name=district]");
    var subdistrict = root.querySelector("select[name=subdistrict]");
    if (!province || !district || !subdistrict || !window.fetch) { return; }
    var refresh = root.querySelector("[data-place-refresh]");
    if (refresh) { refresh.hidden = true; }
    var prompts = {
      district: district.dataset.prompt || district.options[0].textContent,
      subdistrict: subdistrict.dataset.prompt || subdistrict.options[0].textContent
    };
    province.addEventListener("change", function () {
      fill(subdistrict, [], prompts.subdistrict);
      if (!province.value) { fill(district, [], prompts.district); return; }
      load("/api/agencies/geo/provinces/" + encodeURIComponent(province.value) + "/districts", district, prompts.district);
    });
    district.addEventListener("change", function () {
      if (!district.value) { fill(subdistrict, [], prompts.subdistrict); return; }
      load("/api/agencies/geo/districts/" + encodeURIComponent(district.value) + "/subdistricts", subdistrict, prompts.subdistrict);
    });
  }

  function locateButton(root) {
    var button = root.querySelector("[data-locate]");
    var status = root.querySelector("[data-locate-status]");
    var lat = root.querySelector("input[name=latitude]");
    var lng = root.querySelector("input[name=longitude]");
    if (!button || !lat || !lng || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.waiting || "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done || "✓";
      }, function () {
        status.textContent = button.dataset.failed || "✗";
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  document.querySelectorAll("form.complaint-form").forEach(function (form) {
    placeSelects(form);
    locateButton(form);
    var summary = form.querySelector("#error-summary");
    if (summary) { summary.focus(); }
  });
})();
