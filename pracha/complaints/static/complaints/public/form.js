// Progressive enhancement of the complaint forms: without this script they work as they are.
// 1. The district and subdistrict lists follow the province and district chosen (from the
//    agencies API), so the "show the districts" button is not needed.
// 2. "Use my location" fills the latitude and longitude from the phone's position and, when the
//    server can tell the subdistrict of that position (/api/agencies/geo/at), chooses it in the lists.
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

  function placeName(found) {
    return [found.subdistrict, found.district, found.province].map(function (area) {
      return (lang === "en" && area.name_en) || area.name_th;
    }).join(", ");
  }

  // Choose the place the server found for the pin, loading each list before choosing in it.
  function choosePlace(root, found) {
    var province = root.querySelector("select[name=province]");
    var district = root.querySelector("select[name=district]");
    var subdistrict = root.querySelector("select[name=subdistrict]");
    province.value = found.province.code;
    return load("/api/agencies/geo/provinces/" + found.province.code + "/districts", district,
      district.options[0].textContent)
      .then(function () {
        district.value = found.district.code;
        return load("/api/agencies/geo/districts/" + found.district.code + "/subdistricts", subdistrict,
          subdistrict.options[0].textContent);
      })
      .then(function () { subdistrict.value = found.subdistrict.code; });
  }

  function locateButton(root) {
    var box = root.querySelector("[data-locate-box]");
    var button = root.querySelector("[data-locate]");
    var status = root.querySelector("[data-locate-status]");
    var lat = root.querySelector("input[name=latitude]");
    var lng = root.querySelector("input[name=longitude]");
    var subdistrict = root.querySelector("select[name=subdistrict]");
    if (!box || !button || !lat || !lng || !navigator.geolocation || !window.fetch) { return; }
    box.hidden = false;
    function say(key, place) { status.textContent = (button.dataset[key] || "").replace("{place}", place || ""); }
    button.addEventListener("click", function () {
      say("waiting");
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        var pin = root.querySelector("[data-map-pin]");
        if (pin) { pin.open = true; }
        say("looking");
        fetch("/api/agencies/geo/at?lat=" + lat.value + "&lng=" + lng.value, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (found) {
            if (!found) { say("unknown"); return; }
            // A place already chosen is the citizen's word: it wins over the position.
            if (subdistrict && subdistrict.value && subdistrict.value !== found.subdistrict.code) {
              say("differs", placeName(found));
              return;
            }
            return choosePlace(root, found).then(function () { say("found", placeName(found)); });
          })
          .catch(function () { say("unknown"); });
      }, function () {
        say("failed");
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
