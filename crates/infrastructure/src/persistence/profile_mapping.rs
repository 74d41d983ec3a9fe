//! Between stored rows and the domain's `Profile`.

use profile_application::model::{ImageVariant, ProfileImage, StoredProfile};
use profile_application::ports::RepoError;
use profile_domain::account::{Email, Username};
use profile_domain::profile::{
    Annotations, BankAccount, Birthdate, Country, Description, DisplayName, EthAddress, FacebookUrl, Gender,
    InstagramUrl, Locale, Location, Profile, TimeZone, TwitterUrl, UserLinkInput, Version, WebsiteUrl,
};
use profile_domain::user::{Role, UserId};
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};

use super::entities::users;

/// Rebuilds the profile from its row. Stored values passed the domain's
/// rules when written; one that no longer does is reported, not served.
pub(crate) fn to_profile(row: users::Model, role: Role) -> Result<Profile, RepoError> {
    let id = row.id;
    let corrupt = |what: &str| RepoError::Other(format!("stored user {id} has an invalid {what}"));
    let links: Vec<UserLinkInput> = serde_json::from_str::<Vec<Value>>(&row.description_links)
        .map_err(|_| corrupt("description link list"))?
        .iter()
        .map(|link| UserLinkInput {
            url: link["url"].as_str().unwrap_or_default().to_owned(),
            text: None,
            pos: link["pos"].as_i64().unwrap_or(-1),
            len: link["len"].as_i64().unwrap_or(-1),
        })
        .collect();
    let annotations: Value =
        serde_json::from_str(&row.annotations).map_err(|_| corrupt("annotation list"))?;
    Ok(Profile {
        id: UserId(id),
        username: Username::try_from(row.username.as_str()).map_err(|_| corrupt("username"))?,
        email: Email::try_from(row.email.as_str()).map_err(|_| corrupt("email"))?,
        name: DisplayName::try_from(row.name.as_str()).map_err(|_| corrupt("name"))?,
        description: Description::new(&row.description_text, &links).map_err(|_| corrupt("description"))?,
        location: optional::<Location>(row.location).map_err(|()| corrupt("location"))?,
        country: optional::<Country>(row.country).map_err(|()| corrupt("country"))?,
        locale: Locale::try_from(row.locale.as_str()).map_err(|_| corrupt("locale"))?,
        timezone: TimeZone::try_from(row.timezone.as_str()).map_err(|_| corrupt("timezone"))?,
        birthdate: row.birthdate.map(Birthdate::restore),
        gender: optional::<Gender>(row.gender).map_err(|()| corrupt("gender"))?,
        website_url: optional::<WebsiteUrl>(row.website_url).map_err(|()| corrupt("website_url"))?,
        twitter_url: optional::<TwitterUrl>(row.twitter_url).map_err(|()| corrupt("twitter_url"))?,
        facebook_url: optional::<FacebookUrl>(row.facebook_url).map_err(|()| corrupt("facebook_url"))?,
        instagram_url: optional::<InstagramUrl>(row.instagram_url).map_err(|()| corrupt("instagram_url"))?,
        eth_address: optional::<EthAddress>(row.eth_address).map_err(|()| corrupt("eth_address"))?,
        bank_account: optional::<BankAccount>(row.bank_account).map_err(|()| corrupt("bank_account"))?,
        is_creator: row.is_creator,
        annotations: Annotations::from_json(&annotations).map_err(|_| corrupt("annotations"))?,
        role,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: Version(row.version),
    })
}

/// The columns a profile change writes (everything but id, password,
/// created_at; the role id is set by the caller).
pub(crate) fn profile_columns(profile: &Profile) -> users::ActiveModel {
    let links: Vec<Value> = profile
        .description
        .user_links()
        .iter()
        .map(|link| json!({"url": link.url(), "pos": link.pos(), "len": link.len()}))
        .collect();
    let text = |value: Option<&str>| value.map(str::to_owned);
    users::ActiveModel {
        username: Set(profile.username.as_str().to_owned()),
        username_key: Set(profile.username.canonical()),
        email: Set(profile.email.as_str().to_owned()),
        email_key: Set(profile.email.canonical()),
        name: Set(profile.name.as_str().to_owned()),
        role_id: Set(profile.role.id),
        updated_at: Set(profile.updated_at),
        version: Set(profile.version.0),
        description_text: Set(profile.description.text().to_owned()),
        description_links: Set(Value::Array(links).to_string()),
        location: Set(text(profile.location.as_ref().map(Location::as_str))),
        country: Set(profile.country.as_ref().map(|c| c.code().to_owned())),
        locale: Set(profile.locale.as_str().to_owned()),
        timezone: Set(profile.timezone.as_str().to_owned()),
        birthdate: Set(profile.birthdate.as_ref().map(Birthdate::date)),
        gender: Set(text(profile.gender.as_ref().map(Gender::as_str))),
        website_url: Set(text(profile.website_url.as_ref().map(WebsiteUrl::as_str))),
        twitter_url: Set(text(profile.twitter_url.as_ref().map(TwitterUrl::as_str))),
        facebook_url: Set(text(profile.facebook_url.as_ref().map(FacebookUrl::as_str))),
        instagram_url: Set(text(profile.instagram_url.as_ref().map(InstagramUrl::as_str))),
        eth_address: Set(text(profile.eth_address.as_ref().map(EthAddress::as_str))),
        bank_account: Set(text(profile.bank_account.as_ref().map(BankAccount::as_str))),
        is_creator: Set(profile.is_creator),
        annotations: Set(profile.annotations.to_json().to_string()),
        ..Default::default()
    }
}

/// An optional stored value, parsed by its domain type; `Err` when invalid.
fn optional<T: for<'a> TryFrom<&'a str>>(raw: Option<String>) -> Result<Option<T>, ()> {
    raw.filter(|s| !s.is_empty()).map(|s| T::try_from(s.as_str()).map_err(|_| ())).transpose()
}

/// The profile and its images from their row.
pub(crate) fn to_stored_profile(row: users::Model, role: Role) -> Result<StoredProfile, RepoError> {
    let id = row.id;
    let avatar = image_from_column(row.avatar_image.as_deref())
        .map_err(|()| RepoError::Other(format!("stored user {id} has an invalid avatar_image")))?;
    let cover = image_from_column(row.cover_image.as_deref())
        .map_err(|()| RepoError::Other(format!("stored user {id} has an invalid cover_image")))?;
    Ok(StoredProfile { profile: to_profile(row, role)?, avatar, cover })
}

/// `[{key, width, height, content_type}]`, the primary first.
pub(crate) fn image_to_column(image: Option<&ProfileImage>) -> Option<String> {
    let image = image?;
    let variant = |v: &ImageVariant| json!({"key": v.key, "width": v.width, "height": v.height, "content_type": v.content_type});
    let mut list = vec![variant(&image.primary)];
    list.extend(image.variants.iter().filter(|v| v.key != image.primary.key).map(variant));
    Some(Value::Array(list).to_string())
}

fn image_from_column(raw: Option<&str>) -> Result<Option<ProfileImage>, ()> {
    let Some(raw) = raw else { return Ok(None) };
    let list: Vec<Value> = serde_json::from_str(raw).map_err(|_| ())?;
    let mut variants = list
        .iter()
        .map(|v| {
            Some(ImageVariant {
                key: v["key"].as_str()?.to_owned(),
                width: u32::try_from(v["width"].as_u64()?).ok()?,
                height: u32::try_from(v["height"].as_u64()?).ok()?,
                content_type: v["content_type"].as_str()?.to_owned(),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(())?;
    let primary = variants.first().cloned().ok_or(())?;
    variants.sort_by_key(|v| (v.width, v.height));
    Ok(Some(ProfileImage { primary, variants }))
}
