/** The request bodies the export sends (spec §1.2, §1.3), as the exporter builds them. */

export interface OrgUnitPayload {
  Uuid: string;
  Name: string;
  ParentOrgUnitUuid: string | null;
  ItSystems: string[];
  Email?: string;
  Ean?: string;
  PhoneNumber?: string;
  Post?: string;
  PNR?: string;
  Location?: string;
  ContactOpenHours?: string;
  DtrId?: string;
  ManagerUuid?: string;
  Tasks?: string[];
  ContactForTasks?: string[];
  [field: string]: unknown;
}

export interface PositionPayload {
  Name: string;
  OrgUnitUuid: string;
  StartDate: string | null;
  StopDate: string | null;
}

export interface UserPayload {
  Uuid: string;
  UserId: string;
  Person: { Name: string; Cpr: string | null };
  Positions: PositionPayload[];
  Email?: string;
  PhoneNumber?: string;
  Landline?: string;
  Location?: string;
}
