// The installation page: a camera's installation record (PATCH /api/v1/cameras/:id; codes from
// GET /api/v1/places/codes), its signage with photos (R13; /cameras/:id/signage…) and its privacy masks (D11;
// GET/PUT /cameras/:id/masks) drawn over a still of the camera (GET …/snapshot.jpg with the viewing reason, R16.3)
// or, when there is none, a blank 16:9 canvas. Errors show the server's message and article (api.js describeError).
// What the account may change follows its permissions (camera.configure, compliance.manage, camera.locate); the rest
// is shown read-only. Test hook: window.vigilInstall.state().
import { describeError, fromCstInput, getBlob, getJson, postJson, putBytes, sendJson, setCsrfToken, toCstInput } from './api.js';
import { contentRect, fillMasks, tracePolygon } from './privacy-mask.js';
import { REASON_TEXT } from './reasons.js';

const $ = (id) => document.getElementById(id);
const MAX_POINTS = 32; // domain/places/masks.ts MASK_MAX_POINTS; the server checks every limit again
const CLOSE_DISTANCE_PX = 10;
const PHOTO_TYPES = ['image/jpeg', 'image/png'];

let me = null;
let can = { configure: false, manage: false, locate: false, snapshot: false };
let codes = { placeCategories: [], areaTypes: [] };
let cameras = [];
let cameraId = null;
/** The camera whose records the page shows (null while they load). */
let loadedCameraId = null;
let generation = 0;
/** Mask editor state: saved-or-edited polygons, the polygon being drawn, the selected polygon, the picture. */
let masks = [];
let drawing = [];
let selected = null;
let still = null;
let dirty = false;
let photoUrls = [];

function option(text, value, className) {
  const element = document.createElement('option');
  element.textContent = text;
  element.value = value;
  if (className) element.className = className;
  return element;
}

function showError(error) {
  const box = $('error');
  box.textContent = typeof error === 'string' ? error : describeError(error);
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
}

function note(id, text) {
  $(id).textContent = text ?? '';
  $(id).hidden = !text;
}

const dateOf = (ms) => toCstInput(ms).slice(0, 10);
const msOfDate = (value) => fromCstInput(value ? `${value}T00:00` : '');
const textOrNull = (id) => $(id).value.trim() || null;

// ---- codes and camera list ----

function renderCodeSelects() {
  const area = $('area-type');
  const allowed = document.createElement('optgroup');
  allowed.label = '允许 Allowed';
  const forbidden = document.createElement('optgroup');
  forbidden.label = '禁止安装 Forbidden (R8.1)';
  for (const a of codes.areaTypes) {
    if (a.forbidden) forbidden.append(option(`禁止 ${a.article} · ${a.label.zh} ${a.label.en}`, a.code, 'forbidden'));
    else allowed.append(option(`${a.label.zh} ${a.label.en}`, a.code));
  }
  area.replaceChildren(option('未填写 Not set', ''), allowed, forbidden);
  $('place-category').replaceChildren(
    option('未填写 Not set', ''),
    ...codes.placeCategories.map((c) => option(`${c.article} · ${c.label.zh}（${c.label.en}）`, c.code)),
  );
}

async function loadCameras() {
  cameras = await getJson('/api/v1/cameras');
  const select = $('camera-pick');
  if (cameras.length === 0) {
    select.replaceChildren(option('没有摄像机 No cameras', ''));
    return;
  }
  select.replaceChildren(...cameras.map((c) => option(c.enabled ? c.name : `${c.name}（停用 disabled）`, c.id)));
  select.value = cameras[0].id;
  await selectCamera(cameras[0].id);
}

async function selectCamera(id) {
  clearError();
  cameraId = id;
  loadedCameraId = null;
  const mine = ++generation;
  resetStill();
  // Until the camera's records are in, the page is busy: what is typed meanwhile would be overwritten by them.
  document.body.setAttribute('aria-busy', 'true');
  await Promise.all([loadRecord(mine), loadSignage(mine), loadMasks(mine)]);
  if (mine === generation) {
    loadedCameraId = id;
    document.body.removeAttribute('aria-busy');
  }
}

// ---- installation record ----

function selectValue(select, code) {
  if (code && ![...select.options].some((o) => o.value === code)) select.append(option(`未知代码 Unknown code: ${code}`, code));
  select.value = code ?? '';
}

function fillRecord(place) {
  const p = place ?? {};
  selectValue($('area-type'), p.areaType ?? '');
  selectValue($('place-category'), p.placeCategory ?? '');
  $('site').value = p.site ?? '';
  $('position').value = p.position ?? '';
  $('angle').value = p.angle ?? '';
  $('installing-party').value = p.installingParty ?? '';
  $('necessity').value = p.necessity ?? '';
  $('faces-residence').checked = !!p.facesResidence;
  $('near-classified').checked = !!p.nearMilitaryOrClassified;
  $('consent-ref').value = p.consentDocumentRef ?? '';
  const a = p.assessment ?? null;
  $('assessment-on').checked = !!a;
  $('assessment-purpose').value = a?.purpose ?? '';
  $('assessment-necessity').value = a?.necessity ?? '';
  $('assessment-alternatives').value = a?.alternativesConsidered ?? '';
  $('assessment-consultation').value = a?.publicConsultation ?? '';
  $('assessment-date').value = a ? dateOf(a.assessedMs) : '';
  syncAssessment();
  renderReview(p.review ?? [], p.reviewCleared ?? null);
}

function syncAssessment() {
  for (const element of $('assessment-fields').querySelectorAll('textarea, input')) element.disabled = !$('assessment-on').checked;
}

/**
 * The screening's flags (R8.1 words in free text): a warning to review, never a refusal. A person with
 * compliance.manage confirms, with a note, that the text does not describe a forbidden place; the confirmation holds
 * until the texts change.
 */
function renderReview(review, cleared) {
  $('review').replaceChildren(...(cleared ? [] : review).map((r) => {
    const li = document.createElement('li');
    li.textContent = `需人工复核 Review: “${r.term}” 见于 in ${r.field}（依据 ${r.article}）— 确认摄像机不在该区域内部且不能拍摄其内部 Confirm the camera is not inside that area and cannot see into it`;
    return li;
  }));
  $('review-cleared').textContent = cleared
    ? `已复核 Reviewed（${cleared.terms.join('、')}）：${cleared.note} — ${cleared.by.name ?? cleared.by.username}${cleared.by.unit ? `，${cleared.by.unit}` : ''}，${new Date(cleared.atMs).toLocaleString('zh-CN')}`
    : '';
  $('review-clear-form').hidden = !(review.length > 0 && !cleared && can.manage);
  $('review-clear-note').value = '';
}

async function clearReview(event) {
  event.preventDefault();
  clearError();
  const id = cameraId;
  try {
    const place = await sendJson('POST', `/api/v1/cameras/${encodeURIComponent(id)}/place/review`, { note: $('review-clear-note').value.trim() });
    if (id !== cameraId) return;
    renderReview(place.review, place.reviewCleared);
  } catch (error) {
    showError(error);
  }
}

async function loadRecord(mine) {
  $('record-status').textContent = '';
  try {
    const camera = await getJson(`/api/v1/cameras/${encodeURIComponent(cameraId)}`);
    if (mine !== generation) return;
    const visible = 'place' in camera;
    note('record-note', visible ? (can.configure ? '' : '只读：修改需要 camera.configure 权限 Read-only: changing needs camera.configure')
      : '无权查看安装信息：需要 camera.locate 权限（D6：安装位置保密） No access to the installation details: needs camera.locate (D6)');
    fillRecord(visible ? camera.place : null);
    $('record-fields').disabled = !visible || !can.configure;
  } catch (error) {
    if (mine === generation) showError(error);
  }
}

function recordBody() {
  let assessment = null;
  if ($('assessment-on').checked) {
    const assessedMs = msOfDate($('assessment-date').value);
    if (!Number.isFinite(assessedMs)) throw new Error('请填写评估日期 Enter the date of the assessment');
    const consultation = $('assessment-consultation').value.trim();
    assessment = {
      purpose: $('assessment-purpose').value.trim(),
      necessity: $('assessment-necessity').value.trim(),
      alternativesConsidered: $('assessment-alternatives').value.trim(),
      ...(consultation ? { publicConsultation: consultation } : {}),
      assessedMs,
    };
  }
  return {
    areaType: $('area-type').value || null,
    placeCategory: $('place-category').value || null,
    site: textOrNull('site'),
    position: textOrNull('position'),
    angle: textOrNull('angle'),
    installingParty: textOrNull('installing-party'),
    necessity: textOrNull('necessity'),
    facesResidence: $('faces-residence').checked,
    nearMilitaryOrClassified: $('near-classified').checked,
    consentDocumentRef: textOrNull('consent-ref'),
    assessment,
  };
}

async function saveRecord(event) {
  event.preventDefault();
  clearError();
  $('record-status').textContent = '';
  const id = cameraId;
  try {
    const camera = await sendJson('PATCH', `/api/v1/cameras/${encodeURIComponent(id)}`, recordBody());
    if (id !== cameraId) return;
    fillRecord(camera.place);
    const flagged = camera.place?.reviewCleared ? 0 : camera.place?.review?.length ?? 0;
    $('record-status').textContent = flagged
      ? `已保存，但有 ${flagged} 处需人工复核 Saved, with ${flagged} item(s) flagged for review (R8.1)`
      : '已保存 Saved';
    $('record-status').className = flagged ? 'review' : 'ok';
  } catch (error) {
    showError(error);
  }
}

// ---- signage (R13) ----

function revokePhotos() {
  for (const url of photoUrls) URL.revokeObjectURL(url);
  photoUrls = [];
}

function cell(row, text) {
  const td = document.createElement('td');
  if (text !== undefined) td.textContent = text;
  row.append(td);
  return td;
}

function photoInput(onFile) {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = PHOTO_TYPES.join(',');
  input.setAttribute('aria-label', '上传照片 Upload photo');
  input.addEventListener('change', () => input.files?.[0] && void onFile(input.files[0]));
  return input;
}

async function uploadPhoto(signId, file) {
  if (!PHOTO_TYPES.includes(file.type)) throw new Error(`照片须为 JPEG 或 PNG The photo must be JPEG or PNG (not ${file.type || 'unknown'})`);
  await putBytes(`/api/v1/cameras/${encodeURIComponent(cameraId)}/signage/${encodeURIComponent(signId)}/photo`, file, file.type);
}

async function loadSignage(mine = generation) {
  const body = $('signage').querySelector('tbody');
  $('signage-form').hidden = !can.manage;
  if (!can.locate) {
    body.replaceChildren();
    note('signage-note', '无权查看标识：需要 camera.locate 权限（标识文字和照片表明摄像机位置，D6） No access: signage needs camera.locate (D6)');
    return;
  }
  note('signage-note', can.manage ? '' : '只读：登记或删除需要 compliance.manage 权限 Read-only: changing needs compliance.manage');
  let signs;
  try {
    signs = await getJson(`/api/v1/cameras/${encodeURIComponent(cameraId)}/signage`);
  } catch (error) {
    if (mine === generation) showError(error);
    return;
  }
  if (mine !== generation) return;
  revokePhotos();
  const base = `/api/v1/cameras/${encodeURIComponent(cameraId)}/signage`;
  body.replaceChildren(...signs.map((s) => {
    const row = document.createElement('tr');
    row.dataset.signageId = s.id;
    cell(row, s.text);
    cell(row, dateOf(s.installedMs));
    const photo = cell(row);
    if (s.photo) {
      photo.textContent = '…';
      getBlob(`${base}/${encodeURIComponent(s.id)}/photo`).then(
        (blob) => {
          const url = URL.createObjectURL(blob);
          photoUrls.push(url);
          const img = document.createElement('img');
          img.className = 'thumb';
          img.src = url;
          img.alt = `标识照片 Photo of the sign (${s.photo.bytes} B)`;
          photo.replaceChildren(img);
        },
        (error) => { photo.textContent = describeError(error); },
      );
    } else {
      photo.textContent = '无照片 No photo ';
      if (can.manage) {
        photo.append(photoInput(async (file) => {
          try {
            await uploadPhoto(s.id, file);
            await loadSignage();
          } catch (error) {
            showError(error);
          }
        }));
      }
    }
    const action = cell(row);
    if (can.manage) {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '删除 Delete';
      remove.addEventListener('click', async () => {
        clearError();
        try {
          await sendJson('DELETE', `${base}/${encodeURIComponent(s.id)}`);
          await loadSignage();
        } catch (error) {
          showError(error);
        }
      });
      action.append(remove);
    }
    return row;
  }));
  if (signs.length === 0) {
    const row = document.createElement('tr');
    cell(row, '未登记标识（R13 要求设置显著提示标识） No sign recorded (R13 requires a conspicuous sign)').colSpan = 4;
    body.replaceChildren(row);
  }
}

async function addSign(event) {
  event.preventDefault();
  clearError();
  const file = $('sign-photo').files?.[0] ?? null;
  try {
    const installedMs = msOfDate($('sign-date').value);
    if (!Number.isFinite(installedMs)) throw new Error('请填写设置日期 Enter the date the sign was put up');
    if (file && !PHOTO_TYPES.includes(file.type)) throw new Error(`照片须为 JPEG 或 PNG The photo must be JPEG or PNG (not ${file.type || 'unknown'})`);
    const sign = await postJson(`/api/v1/cameras/${encodeURIComponent(cameraId)}/signage`, { text: $('sign-text').value.trim(), installedMs });
    try {
      if (file) await uploadPhoto(sign.id, file);
    } finally {
      await loadSignage();
    }
    $('signage-form').reset();
  } catch (error) {
    showError(error);
  }
}

// ---- privacy masks (D11) ----

function maskStatus(text, className = '') {
  $('mask-status').textContent = text;
  $('mask-status').className = className;
}

async function loadMasks(mine = generation) {
  drawing = [];
  selected = null;
  try {
    const answer = await getJson(`/api/v1/cameras/${encodeURIComponent(cameraId)}/masks`);
    if (mine !== generation) return;
    masks = answer.masks.map((m) => ({ points: m.points.map(([x, y]) => [x, y]), burnExport: m.burnExport, burnRecording: m.burnRecording }));
    dirty = false;
    maskStatus(`已载入 ${masks.length} 个遮挡 Loaded ${masks.length} mask(s)`);
  } catch (error) {
    if (mine !== generation) return;
    masks = [];
    maskStatus(describeError(error), 'review');
  }
  note('mask-note', can.manage ? '' : '只读：修改遮挡需要 compliance.manage 权限 Read-only: changing masks needs compliance.manage');
  renderMasks();
}

function resetStill() {
  still = null;
  const camera = cameras.find((c) => c.id === cameraId);
  let why;
  if (!can.snapshot) {
    why = '本账号无 video.snapshot 权限（三员分立：管理员不查看视频） This account may not view video (video.snapshot; separation of duties)';
  } else if (camera && !camera.enabled) {
    why = '摄像机已停用，无实时画面 The camera is disabled: no live picture';
  } else {
    why = '点击“载入画面”获取实时截图（登记查看事由） Press “Load picture” for a live still (recorded with its reason)';
  }
  $('still-load').disabled = !can.snapshot || !camera?.enabled;
  $('mask-source').textContent = `空白 16:9 画布 Blank 16:9 canvas — ${why}`;
  $('mask-source').dataset.source = 'blank';
  renderMasks();
}

async function loadStill() {
  clearError();
  const id = cameraId;
  const reason = { category: $('still-reason').value, text: $('still-reason-text').value.trim() };
  const query = new window.URLSearchParams({ reason: reason.category, reasonText: reason.text });
  try {
    const blob = await getBlob(`/api/v1/cameras/${encodeURIComponent(id)}/snapshot.jpg?${query}`);
    const bitmap = await window.createImageBitmap(blob);
    if (id !== cameraId) return;
    still = bitmap;
    $('mask-source').textContent = `实时截图 Live still ${bitmap.width}×${bitmap.height}（已登记查看事由 viewing recorded, R16.3）`;
    $('mask-source').dataset.source = 'still';
  } catch (error) {
    if (id !== cameraId) return;
    still = null;
    $('mask-source').textContent = `空白 16:9 画布 Blank 16:9 canvas — 无法获取画面 No picture: ${describeError(error)}`;
    $('mask-source').dataset.source = 'blank';
  }
  renderMasks();
}

/** Where the picture lies on the canvas, in CSS pixels: the still's shape, or 16:9 when drawing on a blank canvas. */
function pictureRect() {
  const canvas = $('mask-canvas');
  return contentRect(canvas.clientWidth, canvas.clientHeight, still ? still.width : 16, still ? still.height : 9);
}

function renderMasks() {
  const canvas = $('mask-canvas');
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const rect = pictureRect();
  if (rect) {
    if (still) {
      context.drawImage(still, rect.x, rect.y, rect.width, rect.height);
    } else {
      context.fillStyle = '#5a616b';
      context.fillRect(rect.x, rect.y, rect.width, rect.height);
    }
    // The masks as the display overlay draws them (black), the selected one tinted so it can be told apart.
    context.fillStyle = 'rgba(0, 0, 0, 0.8)';
    fillMasks(context, rect, masks.filter((_, i) => i !== selected));
    context.lineWidth = 1.5;
    masks.forEach((mask, i) => {
      tracePolygon(context, rect, mask.points);
      if (i === selected) {
        context.fillStyle = 'rgba(59, 130, 246, 0.55)';
        context.fill();
      }
      context.strokeStyle = i === selected ? '#3b82f6' : '#e6e8eb';
      context.stroke();
    });
    if (drawing.length) {
      context.strokeStyle = '#f5a524';
      context.fillStyle = '#f5a524';
      context.beginPath();
      drawing.forEach(([x, y], i) => {
        const px = rect.x + x * rect.width;
        const py = rect.y + y * rect.height;
        if (i === 0) context.moveTo(px, py);
        else context.lineTo(px, py);
      });
      context.stroke();
      drawing.forEach(([x, y], i) => {
        context.beginPath();
        context.arc(rect.x + x * rect.width, rect.y + y * rect.height, i === 0 ? 5 : 3, 0, Math.PI * 2);
        context.fill();
      });
    }
  }
  renderMaskList();
}

function renderMaskList() {
  $('mask-list').replaceChildren(...masks.map((mask, i) => {
    const li = document.createElement('li');
    li.setAttribute('aria-selected', String(i === selected));
    const burns = [mask.burnExport ? '导出烧录 burn at export' : '', mask.burnRecording ? '录像烧录 burn at recording' : ''].filter(Boolean);
    li.textContent = `遮挡 Mask ${i + 1} · ${mask.points.length} 点 points${burns.length ? ` · ${burns.join(' · ')}` : ' · 仅显示遮挡 display only'}`;
    li.addEventListener('click', () => select(i));
    return li;
  }));
  const editable = can.manage;
  for (const id of ['mask-close', 'mask-cancel', 'mask-save']) $(id).disabled = !editable;
  $('mask-delete').disabled = !editable || selected === null;
  $('burn-export').disabled = !editable;
  $('burn-recording').disabled = !editable;
}

function select(index) {
  selected = index;
  if (index !== null) {
    $('burn-export').checked = masks[index].burnExport;
    $('burn-recording').checked = masks[index].burnRecording;
  }
  renderMasks();
}

function markDirty() {
  dirty = true;
  maskStatus('有未保存的修改 Unsaved changes', 'review');
}

function insidePolygon([x, y], points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;

function onCanvasClick(event) {
  const rect = pictureRect();
  if (!rect) return;
  const box = $('mask-canvas').getBoundingClientRect();
  const cx = event.clientX - box.left;
  const cy = event.clientY - box.top;
  if (cx < rect.x || cy < rect.y || cx > rect.x + rect.width || cy > rect.y + rect.height) return;
  const point = [round((cx - rect.x) / rect.width), round((cy - rect.y) / rect.height)];
  if (drawing.length === 0) {
    const hit = masks.findLastIndex((mask) => insidePolygon(point, mask.points));
    if (hit !== -1 || !can.manage) {
      select(hit === -1 ? null : hit);
      return;
    }
    selected = null;
  }
  if (drawing.length >= 3) {
    const [fx, fy] = drawing[0];
    if (Math.hypot(rect.x + fx * rect.width - cx, rect.y + fy * rect.height - cy) <= CLOSE_DISTANCE_PX) {
      closePolygon();
      return;
    }
  }
  if (drawing.length >= MAX_POINTS) {
    maskStatus(`一个遮挡最多 ${MAX_POINTS} 个顶点 At most ${MAX_POINTS} points per mask: close it`, 'review');
    return;
  }
  drawing.push(point);
  renderMasks();
}

function closePolygon() {
  if (drawing.length < 3) {
    maskStatus('至少需要 3 个顶点 A mask needs at least 3 points', 'review');
    return;
  }
  masks.push({ points: drawing, burnExport: $('burn-export').checked, burnRecording: $('burn-recording').checked });
  drawing = [];
  selected = masks.length - 1;
  markDirty();
  renderMasks();
}

async function saveMasks() {
  clearError();
  if (drawing.length) {
    maskStatus('请先闭合或取消正在绘制的多边形 Close or cancel the polygon being drawn first', 'review');
    return;
  }
  const id = cameraId;
  try {
    const answer = await sendJson('PUT', `/api/v1/cameras/${encodeURIComponent(id)}/masks`, { masks });
    if (id !== cameraId) return;
    masks = answer.masks;
    selected = null;
    dirty = false;
    maskStatus(`已保存 ${masks.length} 个遮挡 Saved ${masks.length} mask(s)`, 'ok');
    renderMasks();
  } catch (error) {
    showError(error);
  }
}

function wireMasks() {
  $('mask-canvas').addEventListener('click', onCanvasClick);
  $('mask-close').addEventListener('click', closePolygon);
  $('mask-cancel').addEventListener('click', () => {
    drawing = [];
    renderMasks();
  });
  $('mask-delete').addEventListener('click', () => {
    if (selected === null) return;
    masks.splice(selected, 1);
    selected = null;
    markDirty();
    renderMasks();
  });
  for (const [id, key] of [['burn-export', 'burnExport'], ['burn-recording', 'burnRecording']]) {
    $(id).addEventListener('change', () => {
      if (selected === null) return; // no selection: the toggle is the default for the next polygon
      masks[selected][key] = $(id).checked;
      markDirty();
      renderMasks();
    });
  }
  $('mask-save').addEventListener('click', () => void saveMasks());
  $('mask-reload').addEventListener('click', () => {
    clearError();
    void loadMasks();
  });
  $('still-load').addEventListener('click', () => void loadStill());
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && drawing.length) {
      drawing = [];
      renderMasks();
    }
  });
  new window.ResizeObserver(() => renderMasks()).observe($('mask-canvas'));
}

// ---- start ----

function renderRights() {
  const yes = (flag, text) => `${text}${flag ? '：可修改 editable' : '：只读 read-only'}`;
  $('rights').textContent = [
    yes(can.configure, '安装记录 Record (camera.configure)'),
    can.locate ? yes(can.manage, '标识 Signage (compliance.manage)') : '标识 Signage：无权查看 not visible (camera.locate)',
    yes(can.manage, '遮挡 Masks (compliance.manage)'),
  ].join(' · ');
}

async function start(session) {
  me = session;
  setCsrfToken(me.csrfToken);
  const permissions = new Set(me.permissions ?? []);
  can = {
    configure: permissions.has('camera.configure'),
    manage: permissions.has('compliance.manage'),
    locate: permissions.has('camera.locate'),
    snapshot: permissions.has('video.snapshot'),
  };
  $('who').textContent = `${me.displayName ?? me.username ?? ''}${me.unit ? `（${me.unit}）` : ''}`;
  renderRights();
  const categories = me.reasonCategories ?? [];
  $('still-reason').replaceChildren(...categories.map((code) => option(REASON_TEXT[code] ?? code, code)));
  if (categories.includes('equipment_check')) $('still-reason').value = 'equipment_check';
  codes = await getJson('/api/v1/places/codes');
  renderCodeSelects();
  $('camera-pick').addEventListener('change', () => void selectCamera($('camera-pick').value));
  $('record-form').addEventListener('submit', (event) => void saveRecord(event));
  $('review-clear-form').addEventListener('submit', (event) => void clearReview(event));
  $('assessment-on').addEventListener('change', syncAssessment);
  $('signage-form').addEventListener('submit', (event) => void addSign(event));
  wireMasks();
  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault();
  });
  await loadCameras();
  document.body.dataset.ready = 'true';
}

window.vigilInstall = {
  state: () => ({ cameraId, loadedCameraId, masks, drawing, selected, dirty, source: $('mask-source').dataset.source, rect: pictureRect() }),
};

getJson('/api/v1/auth/me').then(
  (session) => start(session).catch(showError),
  (error) => {
    showError(error);
    if (error.status === 401) window.location.href = 'index.html';
  },
);
