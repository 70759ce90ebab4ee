// Draws the quality page's charts from the data the page carries (no request of its own).
(function () {
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function draw() {
    if (typeof echarts === "undefined") { return; }  // the tables beside the charts hold the same figures
    var h = data("histogram-data"), w = data("weekly-data");
    if (h && document.getElementById("histogram")) {
      echarts.init(document.getElementById("histogram")).setOption({
        animation: false, grid: { left: 40, right: 10, top: 10, bottom: 30 },
        xAxis: { type: "category", data: h.map(function (r) { return r[0] + "–"; }) },
        yAxis: { type: "value" }, series: [{ type: "bar", data: h.map(function (r) { return r[1]; }), color: "#175cd3" }] });
    }
    if (w && document.getElementById("weekly")) {
      echarts.init(document.getElementById("weekly")).setOption({
        animation: false, grid: { left: 40, right: 10, top: 10, bottom: 30 },
        xAxis: { type: "category", data: w.map(function (r) { return r[0]; }) },
        yAxis: { type: "value", scale: true }, series: [{ type: "line", data: w.map(function (r) { return r[2].toFixed(1); }), color: "#b42318" }] });
    }
  }
  if (document.readyState === "complete") { draw(); } else { window.addEventListener("load", draw); }
})();
