// Place categories and area types: where a camera may be installed (R7, R8.1, R9, R33).
// Owns the stable codes that the API, CLI (`--area`, `--place-category`) and stored installation records use.
// Pure: no I/O. Codes are a public interface: add new ones, never rename or reuse one.

/** Bilingual label; zh is the wording of the Regulation where it has one. */
export interface Label {
  zh: string;
  en: string;
}

/**
 * Place categories exactly as the Regulation divides public (and non-public) places.
 * R7.1: government-built areas; R7.2(1)–(4): operator-built; R9: any other public place; R33: non-public places.
 */
export const PLACE_CATEGORY_CODES = [
  'government_public_area',
  'crowd_venue',
  'transport_hub',
  'public_transport_vehicle',
  'road_service_area',
  'other_public_place',
  'non_public_place',
] as const;
export type PlaceCategoryCode = (typeof PLACE_CATEGORY_CODES)[number];

export type PlaceCategoryArticle = 'R7.1' | 'R7.2(1)' | 'R7.2(2)' | 'R7.2(3)' | 'R7.2(4)' | 'R9' | 'R33';

/**
 * Which rule set governs a place: R7 places carry every duty; R9 places are exempt from the mandatory parts of
 * R11, R14, R15, R16.2 and R17 (R9.2); R33 places only must not harm public security or others' rights.
 */
export type PlaceRuleSet = 'R7' | 'R9' | 'R33';

export interface PlaceCategory {
  code: PlaceCategoryCode;
  article: PlaceCategoryArticle;
  ruleSet: PlaceRuleSet;
  label: Label;
}

export const PLACE_CATEGORIES: Readonly<Record<PlaceCategoryCode, PlaceCategory>> = {
  government_public_area: {
    code: 'government_public_area',
    article: 'R7.1',
    ruleSet: 'R7',
    label: {
      zh: '城乡主要路段、行政区域道路边界、桥梁、隧道、地下通道、广场、治安保卫重点单位周边区域等公共场所',
      en: 'Main urban and rural roads, administrative boundary roads, bridges, tunnels, underpasses, squares, surroundings of key security units (government-built)',
    },
  },
  crowd_venue: {
    code: 'crowd_venue',
    article: 'R7.2(1)',
    ruleSet: 'R7',
    label: {
      zh: '商贸中心、会展中心、旅游景区、文化体育娱乐场所、教育机构、医疗机构、政务服务大厅、公园、公共停车场等人员聚集场所',
      en: 'Crowded places: commercial and exhibition centres, tourist sites, culture/sports/entertainment venues, educational and medical institutions, government service halls, parks, public car parks',
    },
  },
  transport_hub: {
    code: 'transport_hub',
    article: 'R7.2(2)',
    ruleSet: 'R7',
    label: {
      zh: '出境入境口岸（通道）、机场、港口客运站、通航建筑物、铁路客运站、汽车客运站、城市轨道交通站等交通枢纽',
      en: 'Transport hubs: border ports (passages), airports, passenger ports, navigable structures, railway, coach and urban-rail stations',
    },
  },
  public_transport_vehicle: {
    code: 'public_transport_vehicle',
    article: 'R7.2(3)',
    ruleSet: 'R7',
    label: {
      zh: '客运列车、营运载客汽车、城市轨道交通车辆、客运船舶等大中型公共交通工具',
      en: 'Large and medium public transport vehicles: passenger trains, commercial buses and coaches, urban-rail vehicles, passenger ships',
    },
  },
  road_service_area: {
    code: 'road_service_area',
    article: 'R7.2(4)',
    ruleSet: 'R7',
    label: { zh: '高速公路、普通国省干线的服务区', en: 'Service areas of expressways and national/provincial trunk roads' },
  },
  other_public_place: {
    code: 'other_public_place',
    article: 'R9',
    ruleSet: 'R9',
    label: { zh: '第七条规定之外的其他公共场所', en: 'Other public places not listed in R7 (installed by the party with the security duty)' },
  },
  non_public_place: {
    code: 'non_public_place',
    article: 'R33',
    ruleSet: 'R33',
    label: { zh: '非公共场所', en: 'Non-public place (e.g. home, internal office)' },
  },
};

/** R8.1 items (1)–(4). */
export type ForbiddenArticle = 'R8.1(1)' | 'R8.1(2)' | 'R8.1(3)' | 'R8.1(4)';

/** The quoted text of each R8.1 item, for refusals and docs. */
export const R8_1_ITEMS: Readonly<Record<ForbiddenArticle, string>> = {
  'R8.1(1)': '旅馆、饭店、宾馆、招待所、民宿等经营接待食宿场所的客房或者包间内部',
  'R8.1(2)': '学生宿舍的房间内部，或者单位为内部人员提供住宿、休息服务的房间内部',
  'R8.1(3)': '公共的浴室、卫生间、更衣室、哺乳室、试衣间的内部',
  'R8.1(4)': '安装图像采集设备后能够拍摄、窥视、窃听他人隐私的其他区域、部位',
};

export interface ForbiddenAreaType {
  code: string;
  forbidden: true;
  article: ForbiddenArticle;
  label: Label;
}

export interface AllowedAreaType {
  code: string;
  forbidden: false;
  /** The category this kind of area belongs to when the Regulation lists it; the record states the actual one. */
  placeCategory: PlaceCategoryCode;
  label: Label;
}

export type AreaType = ForbiddenAreaType | AllowedAreaType;

function forbidden(code: string, article: ForbiddenArticle, zh: string, en: string): ForbiddenAreaType {
  return { code, forbidden: true, article, label: { zh, en } };
}
function allowed(code: string, placeCategory: PlaceCategoryCode, zh: string, en: string): AllowedAreaType {
  return { code, forbidden: false, placeCategory, label: { zh, en } };
}

/** R8.1: the inside of these areas may never hold a camera, whatever the place category. */
export const FORBIDDEN_AREA_TYPES: readonly ForbiddenAreaType[] = [
  forbidden('hotel_room', 'R8.1(1)', '旅馆、宾馆、招待所、民宿等的客房内部', 'Inside a hotel, guesthouse or B&B guest room'),
  forbidden('private_dining_room', 'R8.1(1)', '饭店等的包间内部', 'Inside a private dining room'),
  forbidden('dorm', 'R8.1(2)', '学生宿舍的房间内部', 'Inside a student dormitory room'),
  forbidden('staff_lodging', 'R8.1(2)', '单位为内部人员提供住宿服务的房间内部', 'Inside a room lodging a unit’s own staff'),
  forbidden('staff_rest_room', 'R8.1(2)', '单位为内部人员提供休息服务的房间内部', 'Inside a staff rest room'),
  forbidden('public_bath', 'R8.1(3)', '公共浴室内部', 'Inside a public bath or shower'),
  forbidden('toilet', 'R8.1(3)', '公共卫生间内部', 'Inside a public toilet'),
  forbidden('changing_room', 'R8.1(3)', '公共更衣室内部', 'Inside a public changing room'),
  forbidden('nursing_room', 'R8.1(3)', '公共哺乳室内部', 'Inside a public nursing room'),
  forbidden('fitting_room', 'R8.1(3)', '公共试衣间内部', 'Inside a fitting room'),
  forbidden('privacy_spot', 'R8.1(4)', '能够拍摄、窥视、窃听他人隐私的其他区域、部位', 'Any other spot from which privacy could be filmed, peeped at or overheard'),
];

/** The areas R7.1 and R7.2 list (and common R9 / R33 ones), each with the category it belongs to. */
export const ALLOWED_AREA_TYPES: readonly AllowedAreaType[] = [
  // R7.1
  allowed('road', 'government_public_area', '城乡主要路段', 'Main urban or rural road'),
  allowed('boundary_road', 'government_public_area', '行政区域道路边界', 'Road at an administrative boundary'),
  allowed('bridge', 'government_public_area', '桥梁', 'Bridge'),
  allowed('tunnel', 'government_public_area', '隧道', 'Tunnel'),
  allowed('underpass', 'government_public_area', '地下通道', 'Underpass'),
  allowed('square', 'government_public_area', '广场', 'Square'),
  allowed('key_unit_surroundings', 'government_public_area', '治安保卫重点单位周边区域', 'Surroundings of a key security unit'),
  // R7.2(1)
  allowed('mall', 'crowd_venue', '商贸中心', 'Commercial centre / mall'),
  allowed('exhibition_centre', 'crowd_venue', '会展中心', 'Exhibition centre'),
  allowed('tourist_site', 'crowd_venue', '旅游景区', 'Tourist site'),
  allowed('stadium', 'crowd_venue', '文化体育娱乐场所（体育场馆）', 'Stadium / sports venue'),
  allowed('entertainment_venue', 'crowd_venue', '文化体育娱乐场所', 'Culture or entertainment venue'),
  allowed('school', 'crowd_venue', '教育机构', 'Educational institution'),
  allowed('hospital', 'crowd_venue', '医疗机构', 'Medical institution'),
  allowed('government_service_hall', 'crowd_venue', '政务服务大厅', 'Government service hall'),
  allowed('park', 'crowd_venue', '公园', 'Park'),
  allowed('car_park', 'crowd_venue', '公共停车场', 'Public car park'),
  // R7.2(2)
  allowed('border_port', 'transport_hub', '出境入境口岸（通道）', 'Border port (passage)'),
  allowed('airport', 'transport_hub', '机场', 'Airport'),
  allowed('port', 'transport_hub', '港口客运站', 'Passenger port'),
  allowed('navigable_structure', 'transport_hub', '通航建筑物', 'Navigable structure (lock, ship lift)'),
  allowed('station', 'transport_hub', '铁路客运站', 'Railway passenger station'),
  allowed('coach_station', 'transport_hub', '汽车客运站', 'Coach station'),
  allowed('metro_station', 'transport_hub', '城市轨道交通站', 'Urban-rail station'),
  // R7.2(3)
  allowed('train', 'public_transport_vehicle', '客运列车', 'Passenger train'),
  allowed('bus', 'public_transport_vehicle', '营运载客汽车', 'Commercial bus or coach'),
  allowed('metro_train', 'public_transport_vehicle', '城市轨道交通车辆', 'Urban-rail vehicle'),
  allowed('passenger_ship', 'public_transport_vehicle', '客运船舶', 'Passenger ship'),
  // R7.2(4)
  allowed('service_area', 'road_service_area', '高速公路、普通国省干线的服务区', 'Expressway or trunk-road service area'),
  // R9: public places R7 does not list; the party with the security duty installs (R9.1).
  allowed('bank', 'other_public_place', '银行营业场所', 'Bank branch hall'),
  allowed('residential_entrance', 'other_public_place', '住宅小区出入口', 'Residential compound entrance'),
  allowed('hotel_lobby', 'other_public_place', '旅馆大堂、走廊', 'Hotel lobby or corridor (not a guest room)'),
  allowed('restaurant_hall', 'other_public_place', '饭店大厅', 'Restaurant hall (not a private room)'),
  allowed('shop', 'other_public_place', '商店', 'Shop'),
  allowed('corridor', 'other_public_place', '公共走廊、楼道', 'Public corridor or stairwell'),
  allowed('building_entrance', 'other_public_place', '建筑物出入口', 'Building entrance'),
  // R33
  allowed('home', 'non_public_place', '住宅', 'Private home'),
  allowed('office', 'non_public_place', '内部办公区域', 'Internal office area'),
];

const AREA_TYPE_BY_CODE: ReadonlyMap<string, AreaType> = new Map(
  [...FORBIDDEN_AREA_TYPES, ...ALLOWED_AREA_TYPES].map((area) => [area.code, area]),
);

export function findAreaType(code: string): AreaType | undefined {
  return AREA_TYPE_BY_CODE.get(code);
}

export function isPlaceCategoryCode(code: string): code is PlaceCategoryCode {
  return (PLACE_CATEGORY_CODES as readonly string[]).includes(code);
}

export type AreaCheck =
  | { ok: true; area: AllowedAreaType }
  | { ok: false; error: 'camera_place_forbidden'; article: ForbiddenArticle; message: string; area: ForbiddenAreaType }
  | { ok: false; error: 'area_type_unknown'; message: string };

/**
 * Decides whether a camera may be registered in, or moved into, an area type. R8.1 strictly speaks of public
 * places; Vigil refuses these areas in non-public places (R33) too, as the privacy-protective default (R3).
 */
export function checkArea(code: string): AreaCheck {
  const area = findAreaType(code);
  if (!area) {
    return { ok: false, error: 'area_type_unknown', message: `Unknown area type "${code}"` };
  }
  if (area.forbidden) {
    return {
      ok: false,
      error: 'camera_place_forbidden',
      article: area.article,
      message: `${area.article}: cameras are forbidden here — ${area.label.en} (${R8_1_ITEMS[area.article]})`,
      area,
    };
  }
  return { ok: true, area };
}
