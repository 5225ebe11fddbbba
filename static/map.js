/* The map of ideas and projects, and the location picker of the idea form (Leaflet, vendored in
   static/vendor/leaflet). Without JavaScript the pages work as they are: the list of places, and
   the latitude and longitude fields. */
(function () {
  "use strict";
  if (!window.L) { return; }

  function baseMap(el) {
    var center = (el.dataset.center || "46.6,2.4").split(",").map(Number);
    var map = L.map(el, { keyboard: true }).setView(center, Number(el.dataset.zoom || 12));
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    el.hidden = false;
    map.invalidateSize();
    return map;
  }

  // The map of places: one marker per item of the list, its popup the item's link.
  var placesMap = document.getElementById("places-map");
  if (placesMap) {
    var map = baseMap(placesMap);
    var bounds = [];
    document.querySelectorAll(".places [data-lat]").forEach(function (item) {
      var point = [Number(item.dataset.lat), Number(item.dataset.lng)];
      var link = item.querySelector("a");
      var marker = L.marker(point, { title: link.textContent, alt: link.textContent }).addTo(map);
      marker.bindPopup(link.cloneNode(true));
      marker.getElement().classList.add("marker-" + item.dataset.kind);
      bounds.push(point);
    });
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] }); }
  }

  // The location picker: a click (or the button, for the keyboard) places the point; the
  // latitude and longitude fields are filled and hidden.
  var picker = document.getElementById("location-picker");
  if (picker) {
    var lat = document.getElementById("latitude"), lng = document.getElementById("longitude");
    var coords = document.querySelector(".coords");
    picker.hidden = false;  // shown before the map is drawn, so that Leaflet measures its size
    var pickMap = baseMap(picker.querySelector(".map"));
    if (coords) { coords.hidden = true; }
    var marker = null;
    var status = picker.querySelector(".picked");
    function place(point) {
      lat.value = point.lat.toFixed(6);
      lng.value = point.lng.toFixed(6);
      if (marker) { marker.setLatLng(point); } else { marker = L.marker(point, { draggable: true }).addTo(pickMap); marker.on("dragend", function () { place(marker.getLatLng()); }); }
      status.textContent = picker.dataset.placed;
    }
    if (lat.value && lng.value) {
      var start = L.latLng(Number(lat.value), Number(lng.value));
      pickMap.setView(start, 16);
      place(start);
    }
    pickMap.on("click", function (event) { place(event.latlng); });
    picker.querySelector(".pick-centre").addEventListener("click", function () { place(pickMap.getCenter()); });
    picker.querySelector(".pick-clear").addEventListener("click", function () {
      lat.value = ""; lng.value = "";
      if (marker) { pickMap.removeLayer(marker); marker = null; }
      status.textContent = picker.dataset.empty;
    });
  }
})();
