/* The province map of the market form: a click (or tap) on it fills in the latitude and
   longitude, and typed coordinates move the pin. The map is linear in both axes (see
   market/province_map.py, MapFrame.place): its four edges are all the sum needs.
   Without this script the fields are typed. */
(function () {
  'use strict';
  var map = document.getElementById('market-map');
  var latitude = document.getElementById('latitude');
  var longitude = document.getElementById('longitude');
  if (!map || !latitude || !longitude || !map.getScreenCTM) return;
  var pin = document.getElementById('map-pin');
  var edge = {};
  ['west', 'east', 'south', 'north', 'width', 'height'].forEach(function (name) {
    edge[name] = parseFloat(map.dataset[name]);
  });

  function showPin(x, y) {
    pin.setAttribute('transform', 'translate(' + x + ' ' + y + ')');
    pin.setAttribute('visibility', 'visible');
  }

  map.addEventListener('click', function (event) {
    var point = map.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    var inside = point.matrixTransform(map.getScreenCTM().inverse());
    var lon = edge.west + inside.x / edge.width * (edge.east - edge.west);
    var lat = edge.north - inside.y / edge.height * (edge.north - edge.south);
    // Five places are about a metre: finer than a finger on a province-wide map.
    latitude.value = lat.toFixed(5);
    longitude.value = lon.toFixed(5);
    showPin(inside.x, inside.y);
    latitude.dispatchEvent(new Event('change', {bubbles: true}));
  });

  function typed() {
    var lat = parseFloat(latitude.value.replace(',', '.'));
    var lon = parseFloat(longitude.value.replace(',', '.'));
    if (isNaN(lat) || isNaN(lon) || lat < edge.south || lat > edge.north ||
        lon < edge.west || lon > edge.east) {
      pin.setAttribute('visibility', 'hidden');
      return;
    }
    showPin((lon - edge.west) / (edge.east - edge.west) * edge.width,
            (edge.north - lat) / (edge.north - edge.south) * edge.height);
  }
  latitude.addEventListener('input', typed);
  longitude.addEventListener('input', typed);
})();
